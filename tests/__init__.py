"""The test suite (see README, "Development")."""
