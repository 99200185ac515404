"""The portal's id for the publisher's licence, found by the licence's URI.

Portals name licences differently (``dl-de-by-2.0``, ``dl-by-de-2.0``, the URI
itself); the dcat-ap.de URI is what they share. ``portal_license`` is pure;
``read_portal_license`` asks the portal only when the dataset does not already
carry a licence with that URI.
"""

from __future__ import annotations

from typing import Any

from ..catalogue import License
from ..ckan import CkanClient
from ..errors import ConfigError


def _same_uri(a: Any, b: str) -> bool:
    def norm(u: str) -> str:
        return u.strip().rstrip("/").split("://", 1)[-1].lower()

    return isinstance(a, str) and bool(a) and norm(a) == norm(b)


def portal_license(licenses: list[dict[str, Any]], license_: License, portal: str) -> License:
    """``license_`` with the id the portal's licence list gives its URI.

    Args:
        licenses: the portal's ``license_list`` result.
        portal: the portal's URL, for the message.

    Raises:
        ConfigError: the portal has no licence with that URI.
    """
    matches = [entry for entry in licenses if _same_uri(entry.get("url"), license_.uri)]
    if not matches:
        offered = ", ".join(sorted(str(e.get("id")) for e in licenses)) or "none"
        raise ConfigError(
            f"The portal {portal} has no licence with the URI {license_.uri} (licence "
            f"{license_.id!r} of the publisher profile). Its licence list offers: {offered}. "
            "Ask the portal's administrators to add the dcat-ap.de licence list (CKAN setting "
            "licenses_group_url), or set license.uri in the profile to a licence it has."
        )
    chosen = next((e for e in matches if e.get("id") == license_.id), matches[0])
    return license_.model_copy(update={"id": str(chosen["id"])})


def read_portal_license(
    client: CkanClient, license_: License, package: dict[str, Any] | None
) -> License:
    """Like ``portal_license``; reads ``license_list`` unless ``package`` already agrees.

    Raises:
        ConfigError: the portal has no licence with that URI.
    """
    if package and _same_uri(package.get("license_url"), license_.uri):
        return license_.model_copy(update={"id": str(package["license_id"])})
    return portal_license(client.call("license_list"), license_, client.url)
