"""domain layer of the gateway."""
