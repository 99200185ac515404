"""Gather: read declared sources into one table of strings plus provenance."""
