"""Find this project's portal files: CKAN lock file, plugins, WSGI entry, bootstrap spec."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError

_MARKER = Path("requirements.lock")


def portal_assets() -> Path:
    """The ``portal/`` folder: shipped inside the package, or the checkout's (editable install).

    Raises:
        ConfigError: neither exists (a broken installation).
    """
    packaged = Path(__file__).resolve().parent / "portal"
    if (packaged / _MARKER).is_file():
        return packaged
    for parent in Path(__file__).resolve().parents:
        if (parent / "portal" / _MARKER).is_file():
            return parent / "portal"
    raise ConfigError(
        f"the local portal's files are missing: no {packaged / _MARKER} and no portal/ folder "
        "above the package (reinstall opendata-pipeline)"
    )
