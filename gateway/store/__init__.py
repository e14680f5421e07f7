"""store layer of the gateway."""
