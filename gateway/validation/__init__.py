"""validation layer of the gateway."""
