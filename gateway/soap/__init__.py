"""soap layer of the gateway."""
