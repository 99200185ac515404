"""Least privilege on the local portal: what the publisher's editor token and anonymous
visitors are refused, and that publishing still works with what is left."""

from __future__ import annotations

import uuid

import pytest

from opendata_pipeline.errors import PortalRejected
from tests.portal_fixture import Portal


def _suffix() -> str:
    return uuid.uuid4().hex[:6]


def test_the_editor_may_not_create_or_delete_organizations_or_groups(portal: Portal) -> None:
    name = f"fremd-{_suffix()}"
    refusals = [
        ("organization_create", {"name": name}),
        ("group_create", {"name": name}),
        ("organization_delete", {"id": portal.org}),
        ("group_delete", {"id": portal.group}),
        ("organization_purge", {"id": portal.org}),
        ("group_purge", {"id": portal.group}),
    ]
    for action, data in refusals:
        with pytest.raises(PortalRejected, match=f"{action}: not authorized"):
            portal.publisher.call(action, **data)
    assert portal.admin.call("organization_show", id=portal.org)["state"] == "active"
    assert portal.admin.call("group_show", id=portal.group)["state"] == "active"
    with pytest.raises(PortalRejected):
        portal.admin.call("organization_show", id=name)


def test_nobody_anonymous_sees_the_accounts(portal: Portal) -> None:
    anonymous = portal.anonymous()
    for action, data in (("user_list", {}), ("user_show", {"id": "odp-publisher"})):
        with pytest.raises(PortalRejected, match=f"{action}: not authorized"):
            anonymous.call(action, **data)


def test_the_editor_adds_only_its_own_organizations_datasets_to_the_group(
    portal: Portal,
) -> None:
    other_org = f"fremd-{_suffix()}"
    portal.admin.call("organization_create", name=other_org)
    foreign = portal.admin.call("package_create", name=f"fremd-{_suffix()}", owner_org=other_org)
    own = portal.publisher.call("package_create", name=f"eigen-{_suffix()}", owner_org=portal.org)
    member = {"id": portal.group, "object_type": "package", "capacity": "public"}
    with pytest.raises(PortalRejected, match="member_create: not authorized"):
        portal.publisher.call("member_create", object=foreign["id"], **member)
    portal.publisher.call("member_create", object=own["id"], **member)  # its own: allowed
    in_group = portal.admin.call("group_show", id=portal.group, include_datasets=True)
    names = {p["name"] for p in in_group["packages"]}
    assert own["name"] in names and foreign["name"] not in names

    # neither may it take another organization's dataset out of the group
    portal.admin.call("member_create", object=foreign["id"], **member)
    with pytest.raises(PortalRejected, match="member_delete: not authorized"):
        portal.publisher.call(
            "member_delete", id=portal.group, object=foreign["id"], object_type="package"
        )
    assert foreign["name"] in {
        p["name"]
        for p in portal.admin.call("group_show", id=portal.group, include_datasets=True)["packages"]
    }
