"""Secrets from Prefect Secret blocks, for runs whose environment does not carry them."""

from __future__ import annotations

from ..errors import ConfigError


def block_secret(name: str) -> str | None:
    """The value of the Prefect Secret block ``name``, or None when there is no such block.

    Raises:
        ConfigError: the block exists but is not a Secret block.
    """
    from prefect.blocks.system import Secret

    try:
        block = Secret.load(name)
    except ValueError:  # Prefect's answer for "no block document with this name"
        return None
    if not isinstance(block, Secret):
        raise ConfigError(f"Prefect block {name!r} is not a Secret block")
    value = block.get()
    return str(value) if value is not None else None
