"""documents layer of the gateway."""
