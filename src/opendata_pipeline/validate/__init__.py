"""Validate tables against Frictionless Table Schemas, faithfully and fast."""
