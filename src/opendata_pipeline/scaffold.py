"""Scaffolding: a draft dataset declaration and schema from a sample, a profile to fill in.

Nothing here overwrites a file: every target is checked before anything is written.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from .catalogue import SLUG_RE
from .errors import ConfigError
from .profile import PublisherProfile, profiles_dir
from .publish.artifacts import to_bytes

FORMATS = {"csv": "csv", "tsv": "csv", "txt": "csv", "xlsx": "xlsx", "json": "json"}


@dataclass(frozen=True)
class Written:
    """The files a scaffold command wrote."""

    files: list[Path]


def check_name(kind: str, name: str) -> None:
    """Refuse names CKAN would refuse (lowercase a-z, 0-9, ``-``, ``_``; 2 to 100 characters).

    Raises:
        ConfigError: the name is not a valid CKAN name.
    """
    if not SLUG_RE.match(name):
        raise ConfigError(
            f"{kind} name {name!r} is not a valid CKAN name: use 2-100 characters, "
            "lowercase letters a-z, digits, '-' and '_', starting with a letter or digit"
        )


def _refuse_existing(paths: list[Path]) -> None:
    existing = [str(p) for p in paths if p.exists()]
    if existing:
        raise ConfigError(
            f"refusing to overwrite {', '.join(existing)}; remove it first or pick another name"
        )


def _is_url(sample: str) -> bool:
    return urlparse(sample).scheme in ("http", "https")


def sample_format(sample: str) -> str:
    """The source format (csv, xlsx, json) a sample's name suggests.

    Raises:
        ConfigError: the suffix is not one the pipeline reads.
    """
    suffix = Path(urlparse(sample).path if _is_url(sample) else sample).suffix.lstrip(".").lower()
    if suffix not in FORMATS:
        raise ConfigError(
            f"{sample}: cannot tell the format from {suffix or 'no suffix'!r}; "
            f"use a file ending in {', '.join(sorted(FORMATS))}"
        )
    return FORMATS[suffix]


def draft_schema(sample: str, slug: str) -> dict[str, Any]:
    """Infer a Table Schema from a sample with ``frictionless describe``; mark it a draft.

    Raises:
        ConfigError: frictionless cannot read the sample.
    """
    from frictionless import FrictionlessException, Resource
    from frictionless.resources import TableResource

    try:
        resource = Resource.describe(sample)
        if not isinstance(resource, TableResource):
            raise ConfigError(f"{sample}: frictionless does not read it as a table")
        rows = resource.read_rows()
    except FrictionlessException as exc:
        raise ConfigError(f"{sample}: cannot describe the sample: {exc}") from None
    fields = []
    for field in resource.schema.to_descriptor().get("fields", []):
        # A column that was empty in the sample says nothing about its type.
        kind = "string" if field.get("type") == "any" else field["type"]
        fields.append({"name": field["name"], "type": kind, "title": field["name"]})
    schema: dict[str, Any] = {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "name": slug,
        "title": slug,
        "description": f"ENTWURF aus {sample} (frictionless describe): Typen, Pflichtfelder, "
        "Schlüssel und Beschreibungen prüfen, dann diesen Satz ersetzen.",
        "fields": fields,
        "missingValues": [""],
    }
    first = fields[0]["name"] if fields else None
    values = [row.get(first) for row in rows] if first else []
    if values and None not in values and len(set(values)) == len(values):
        schema["primaryKey"] = [first]
        fields[0]["constraints"] = {"required": True, "unique": True}
    return schema


def _source(sample: str) -> dict[str, Any]:
    fmt = sample_format(sample)
    if _is_url(sample):
        return {"type": "http", "url": sample, "format": fmt}
    return {"type": "file", "path": Path(sample).name, "format": fmt}


def init_dataset(profile: PublisherProfile, slug: str, sample: str) -> Written:
    """Write ``datasets/<slug>/dataset.yaml`` and a draft schema inferred from ``sample``.

    A local sample is copied into the dataset folder and becomes its source; a URL
    becomes an ``http`` source.

    Raises:
        ConfigError: invalid slug, a file already exists, or the sample cannot be read.
    """
    check_name("dataset", slug)
    check_name("dataset", profile.catalogue.name_prefix + slug)
    if not _is_url(sample) and not Path(sample).is_file():
        raise ConfigError(f"sample {sample} does not exist (give a file or an http(s) URL)")
    folder = profile.catalogue_root / "datasets" / slug
    declaration = folder / "dataset.yaml"
    schema_file = profile.schemas_dirs[0] / f"{slug}.schema.json"
    copied = None if _is_url(sample) else folder / Path(sample).name
    _refuse_existing([p for p in (declaration, schema_file, copied) if p is not None])
    schema = draft_schema(sample, slug)
    source = _source(sample)
    folder.mkdir(parents=True, exist_ok=True)
    if copied is not None:
        shutil.copyfile(sample, copied)
    body = {
        "title": f"ENTWURF: {slug}",
        "notes": "Beschreibung des Datensatzes für das Portal (ENTWURF, bitte ersetzen).",
        "tags": [],
        "dcat": {"frequency": "http://publications.europa.eu/resource/authority/frequency/IRREG"},
        "sources": [source],
    }
    header = (
        f"# Draft written by `odp init dataset {slug}` from {sample}.\n"
        f"# Publisher fields (licence, contact, contributor, geocoding) come from the profile "
        f"{profile.name}; set them here only to differ.\n"
        f"# Review {schema_file.name} next, then: odp validate "
        f"{profile.catalogue.name_prefix}{slug} --profile {profile.name}\n"
    )
    declaration.write_text(
        header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    schema_file.parent.mkdir(parents=True, exist_ok=True)
    schema_file.write_bytes(to_bytes(schema))
    return Written([p for p in (declaration, schema_file, copied) if p is not None])


def init_profile(name: str, directory: Path | None = None) -> Written:
    """Write ``profiles/<name>.yaml`` to fill in, with its own catalogue folder.

    Raises:
        ConfigError: invalid name or the profile exists.
    """
    check_name("profile", name)
    path = (directory or profiles_dir()) / f"{name}.yaml"
    _refuse_existing([path])
    template = (Path(__file__).parent / "profile_template.yaml").read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template.replace("{name}", name), encoding="utf-8")
    return Written([path])
