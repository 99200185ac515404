"""A table preview for the current data and every archived version, on any CKAN.

CKAN's table view (``datatables_view``) reads a resource's DataStore table, and
CKAN creates default views when a resource is created or uploaded, not when
something else fills the DataStore later. So after a version is published and
loaded: the archived copy of that version gets its DataStore table too, and every
table resource with a DataStore table but no view gets the portal's default views
(``resource_create_default_resource_views``), or a ``datatables_view`` when the
portal's defaults do not include one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ckan import CkanClient
from .artifacts import TABLE_ROLES
from .state import PortalState

#: Loads the current version's table into the DataStore table of a resource (by id).
TableLoader = Callable[[str], Any]
TABLE_VIEW = "datatables_view"


def ensure_previews(client: CkanClient, state: PortalState, load: TableLoader | None) -> list[str]:
    """Load the current version's archive (if it has no table yet) and add missing views.

    Args:
        state: the dataset as it was read after the current data was loaded.
        load: loads the current version's bytes into a resource's table; None when
            the portal offers no way to load (then only views are added).

    Returns:
        What was done, e.g. ``["archive 1.0.1 loaded", "views: 2"]`` (empty: nothing).
    """
    done = []
    archive = state.archive_for(state.version) if state.version else None
    if load is not None and archive is not None and not archive.get("datastore_active"):
        load(archive["id"])
        done.append(f"archive {state.version} loaded")
    package = client.call("package_show", id=state.slug)
    created = 0
    for resource in package.get("resources", []):
        if resource.get("odp_role") in TABLE_ROLES and resource.get("datastore_active"):
            created += ensure_table_view(client, resource, package)
    if created:
        done.append(f"views: {created}")
    return done


def ensure_table_view(client: CkanClient, resource: dict[str, Any], package: dict[str, Any]) -> int:
    """Give a resource with a DataStore table a view if it has none; return views created."""
    if client.call("resource_view_list", id=resource["id"]):
        return 0
    created = client.call(
        "resource_create_default_resource_views",
        resource=resource,
        package=package,
        create_datastore_views=True,
    )
    if created:
        return len(created)
    if TABLE_VIEW not in client.extensions():
        return 0
    client.call(
        "resource_view_create", resource_id=resource["id"], view_type=TABLE_VIEW, title="Tabelle"
    )
    return 1
