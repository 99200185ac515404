"""This repository as a catalogue project, for tests: its root, profiles and catalogue."""

from __future__ import annotations

from pathlib import Path

from opendata_pipeline.catalogue import DatasetSpec
from opendata_pipeline.profile import PublisherProfile
from opendata_pipeline.project import Project, profile_catalogue

ROOT = Path(__file__).resolve().parents[1]
PROJECT = Project.at(ROOT)


def load_profile(ref: str | None = None) -> PublisherProfile:
    """A profile of this repository (default: ``profiles/default.yaml``)."""
    return PROJECT.load_profile(ref)


def catalogue(profile: PublisherProfile | None = None) -> dict[str, DatasetSpec]:
    """The datasets of a profile (default: the shipped catalogue)."""
    return profile_catalogue(profile or load_profile())
