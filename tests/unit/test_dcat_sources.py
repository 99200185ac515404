"""Published cells name public sources: no repository paths, no "zu prüfen", URLs for sources.

Checks what the gatherer produces (the cells that get published) for every dataset
of every shipped profile whose sources are local files or feeds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from opendata_pipeline.gather.core import GatherContext, gather_dataset
from tests.project import catalogue, load_profile

ROOT = Path(__file__).resolve().parents[2]
PROFILES = [
    "default",
    str(ROOT / "examples" / "kreis-soest" / "profile.yaml"),
    str(ROOT / "examples" / "stadt-aachen" / "profile.yaml"),
]
#: A path into this repository (or any repository-like tree), or a Markdown/Python file.
REPO_PATH = re.compile(
    r"\b(shared|datasets|schemas|profiles|examples|src|tests|portal|reference)/[\w.-]+"
    r"|\b[\w-]+\.(md|py|ya?ml)\b"
)
UNCHECKED = re.compile(r"zu\s+prüfen", re.IGNORECASE)
URL = re.compile(r"https?://[^\s,;]+")


def _published() -> list[tuple[str, str, pd.DataFrame]]:
    out = []
    for name in PROFILES:
        profile = load_profile(name)
        for slug, spec in catalogue(profile).items():
            if any(source.type == "ckan" for source in spec.sources):
                continue  # gathered from other portals; their cells are checked at the source
            frame = gather_dataset(spec, GatherContext(ROOT)).frame
            out.append((profile.name, slug, frame))
    return out


PUBLISHED = _published()


def test_every_shipped_local_dataset_is_checked() -> None:
    slugs = {(profile, slug) for profile, slug, _ in PUBLISHED}
    assert ("default", "modellregionen") in slugs and len(slugs) >= 8


@pytest.mark.parametrize(("profile", "slug", "frame"), PUBLISHED, ids=lambda v: str(v)[:30])
def test_no_cell_cites_a_repository_path_or_is_unchecked(
    profile: str, slug: str, frame: pd.DataFrame
) -> None:
    bad = [
        (row, column, value)
        for column in frame.columns
        for row, value in frame[column].astype(str).items()
        if REPO_PATH.search(URL.sub("", value)) or UNCHECKED.search(value)
    ]
    assert bad == [], f"{profile}/{slug}"


@pytest.mark.parametrize(
    ("slug", "frame"), [(s, f) for p, s, f in PUBLISHED if p == "default"], ids=str
)
def test_every_source_of_the_demo_catalogue_names_a_public_url(
    slug: str, frame: pd.DataFrame
) -> None:
    assert "quelle" in frame.columns
    without = [value for value in frame["quelle"] if not URL.search(value)]
    assert without == [], slug


def test_the_checks_catch_what_issue_17_found() -> None:
    old = (
        "Partner und Gebietsschlüssel: Förderrichtlinie 2018 und amtliche Schlüssel laut "
        "shared/reference/dcat-ap-de.md (Sekundärquelle, zu prüfen)"
    )
    assert REPO_PATH.search(old) and UNCHECKED.search(old) and not URL.search(old)
