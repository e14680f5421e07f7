"""A2A claims gateway: a SOAP/XML service for UK low value personal injury claims (RTA, EL/PL)."""

__version__ = "0.1.0"
