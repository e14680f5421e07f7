"""Repositories, the unit of work, concurrency and the CLI on SQLite and PostgreSQL."""
