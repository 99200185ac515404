"""Gather, validate and publish versioned open datasets to a CKAN portal."""

__version__ = "0.2.0"
