"""service layer of the gateway."""
