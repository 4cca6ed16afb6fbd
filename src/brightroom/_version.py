"""Brightroom's version: one constant at the lowest floor, so every floor can import it."""

__version__ = "0.1.0"
