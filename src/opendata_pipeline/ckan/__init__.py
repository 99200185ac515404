"""The one boundary to CKAN: the client, and the token it sends."""

from .client import CkanClient

__all__ = ["CkanClient"]
