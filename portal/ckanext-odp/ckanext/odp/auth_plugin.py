"""CKAN plugin ``odp_auth``: a group member adds or removes only datasets it may edit.

Stock CKAN lets every member of a group add *any* dataset to it or remove any
from it (``member_create``/``member_delete`` with ``object_type=package`` need
only ``manage_group`` on the group). On this portal the publisher is a member
of the theme group, so its token could file another organization's dataset
there. Chained to CKAN's own check: the caller must also be allowed to update
the dataset (sysadmins always are).
"""

from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk


def _may_edit_member_package(context: dict[str, Any], data_dict: dict[str, Any]) -> bool:
    if data_dict.get("object_type") != "package":
        return True
    try:
        tk.check_access(
            "package_update", tk.fresh_context(context), {"id": data_dict.get("object")}
        )
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False
    return True


def _chained(name: str) -> Any:
    @tk.chained_auth_function
    def check(next_auth: Any, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
        result = next_auth(context, data_dict)
        if not result.get("success"):
            return result
        if not _may_edit_member_package(context, data_dict):
            return {
                "success": False,
                "msg": tk._("User %s may add to or remove from a group only datasets they may edit")
                % context.get("user"),
            }
        return result

    check.__name__ = name
    return check


class OdpAuthPlugin(p.SingletonPlugin):
    p.implements(p.IAuthFunctions)

    def get_auth_functions(self) -> dict[str, Any]:
        return {name: _chained(name) for name in ("member_create", "member_delete")}
