"""Fast tests without a server: domain, validation, handlers in process."""
