"""Typed flow parameters: Prefect validates them, and deployments enforce their schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..catalogue import SLUG_RE

DatasetSlug = Annotated[
    str,
    Field(
        pattern=SLUG_RE.pattern,
        description="Dataset slug: the CKAN name, folder under datasets/ and schema stem.",
    ),
]

ProfileRef = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_./-]{1,300}$",
        description="Publisher profile: a name in profiles/ or a path to a profile YAML file.",
    ),
]
