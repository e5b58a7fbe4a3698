"""emolab: measure viewers' facial emotions against an advertisement's timeline."""

__version__ = "0.1.0"
