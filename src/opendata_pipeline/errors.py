"""Typed errors with messages a data steward can act on.

Errors are either transient (worth retrying: timeouts, 5xx, dropped
connections) or terminal (retrying cannot help: bad input, bad config, 4xx).
"""

from __future__ import annotations


class OdpError(Exception):
    """Base class for every error this project raises on purpose."""

    transient = False
    kind = "failed"
    """What the command line reports: ``failed``, ``config`` or ``unreachable`` (exit 1/2/3)."""


class TransientError(OdpError):
    """A failure that may go away when the same call is tried again.

    Args:
        exhausted: the caller already retried it until its time budget ran out; whoever
            catches it must not retry again (retries of two layers would multiply).
    """

    transient = True

    def __init__(self, message: str = "", *, exhausted: bool = False) -> None:
        super().__init__(message)
        if exhausted:
            self.transient = False


class TerminalError(OdpError):
    """A failure that repeating the call cannot fix."""


class ConfigError(TerminalError):
    """A setting, declaration, profile or schema is missing or wrong."""

    kind = "config"


class ServiceError(TerminalError):
    """A service (PostgreSQL, Redis, the Prefect server) is missing or will not start."""

    kind = "unreachable"


class PortalError(TerminalError):
    """The local CKAN portal could not be installed, started or bootstrapped."""


class PortalUnavailable(TransientError):
    """The CKAN portal did not answer (connection refused, timeout, 502/503/504)."""

    kind = "unreachable"


class PortalRejected(TerminalError):
    """The CKAN portal refused a call (403, 404, validation error)."""


class PortalConflict(PortalRejected):
    """Someone else changed the dataset since it was read (compare-and-swap failed): re-plan."""


class PortalNotFound(PortalRejected):
    """The portal has no such dataset, resource or group."""
