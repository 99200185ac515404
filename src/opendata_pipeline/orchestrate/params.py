"""Typed flow parameters: Prefect validates them, and deployments enforce their schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..names import CKAN_NAME

DatasetSlug = Annotated[
    str,
    Field(
        pattern=f"^{CKAN_NAME.pattern}$",
        description="Dataset: its CKAN name (the publisher's prefix + its folder name).",
    ),
]

ProfileRef = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_./-]{1,300}$",
        description="Publisher profile: a name in profiles/ or a path to a profile YAML file.",
    ),
]

PortalUrl = Annotated[
    str,
    Field(
        pattern=r"^https?://[^\s]{1,300}$",
        description="CKAN portal URL (default: $ODP_CKAN_URL, else the profile's portal_url).",
    ),
]
