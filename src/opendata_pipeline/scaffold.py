"""Scaffolding: a draft dataset declaration and schema from a sample, a profile to fill in.

Nothing here overwrites a file: every target is checked before anything is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from .errors import ConfigError
from .names import ckan_name
from .profile import PublisherProfile
from .project import MARKER
from .publish.artifacts import to_bytes

FORMATS = {"csv": "csv", "tsv": "csv", "txt": "csv", "xlsx": "xlsx", "json": "json"}
#: Date and time formats ``odp init dataset`` recognises in text columns, tried in this
#: order (day before month where both read: the German and European order). ISO 8601
#: dates and times frictionless already recognises itself.
TEMPORAL_FORMATS = (
    ("date", "%Y/%m/%d"),
    ("date", "%d.%m.%Y"),
    ("date", "%d/%m/%Y"),
    ("date", "%m/%d/%Y"),
    ("date", "%Y.%m.%d"),
    ("date", "%d-%m-%Y"),
    ("date", "%d.%m.%y"),
    ("datetime", "%Y/%m/%d %H:%M:%S"),
    ("datetime", "%Y/%m/%d %H:%M"),
    ("datetime", "%d.%m.%Y %H:%M:%S"),
    ("datetime", "%d.%m.%Y %H:%M"),
    ("datetime", "%d/%m/%Y %H:%M:%S"),
    ("datetime", "%d/%m/%Y %H:%M"),
    ("datetime", "%m/%d/%Y %H:%M:%S"),
    ("datetime", "%m/%d/%Y %H:%M"),
    ("datetime", "%Y-%m-%d %H:%M"),
    ("time", "%H:%M"),
    ("time", "%H.%M"),
)


@dataclass(frozen=True)
class Written:
    """The files a scaffold command wrote."""

    files: list[Path]


def _refuse_existing(paths: list[Path]) -> None:
    existing = [str(p) for p in paths if p.exists() or p.is_symlink()]
    if existing:
        raise ConfigError(
            f"refusing to overwrite {', '.join(existing)}; remove it first or pick another name"
        )
    linked = [str(p.parent) for p in paths if p.parent.is_symlink()]
    if linked:
        raise ConfigError(
            f"refusing to write into {', '.join(linked)}: a symbolic link; odp init follows "
            "no links (make it a real folder)"
        )


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``; fail if it exists, also as a (dangling) symbolic link."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _refuse_existing([path])
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        raise ConfigError(f"refusing to overwrite {path}; remove it first") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


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
        entry = {"name": field["name"], "type": kind, "title": field["name"]}
        if kind == "string":
            found = temporal_format([row.get(field["name"]) for row in rows])
            if found:
                entry.update(type=found[0], format=found[1])
        fields.append(entry)
    schema: dict[str, Any] = {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "draft": True,
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


def temporal_format(values: list[Any]) -> tuple[str, str] | None:
    """The (type, format) every non-empty value of a text column parses with, if any."""
    present = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if not present:
        return None
    for kind, fmt in TEMPORAL_FORMATS:
        if all(_parses(value, fmt) for value in present):
            return kind, fmt
    return None


def _parses(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


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
    ckan_name(slug, "dataset name")
    ckan_name(profile.catalogue.name_prefix + slug, "dataset name")
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
        _write_new(copied, Path(sample).read_bytes())
    body = {
        "draft": True,
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
        "# odp publish refuses this dataset while this file says 'draft: true' or the schema\n"
        "# says '\"draft\": true': review title, notes, tags and source here, the types,\n"
        "# formats, keys and descriptions there, then delete both lines.\n"
    )
    text = header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    _write_new(declaration, text.encode("utf-8"))
    _write_new(schema_file, to_bytes(schema))
    return Written([p for p in (declaration, schema_file, copied) if p is not None])


def init_profile(name: str, directory: Path, catalogue_root: str | None = None) -> Written:
    """Write ``<directory>/<name>.yaml`` to fill in, with its own catalogue folder.

    Args:
        catalogue_root: the catalogue folder relative to ``directory`` (default: its own
            ``../catalogues/<name>`` beside the shared schemas).

    Raises:
        ConfigError: invalid name or the profile exists.
    """
    ckan_name(name, "profile name")
    path = directory / f"{name}.yaml"
    _refuse_existing([path])
    template = (Path(__file__).parent / "profile_template.yaml").read_text(encoding="utf-8")
    text = template.replace("{name}", name)
    if catalogue_root is not None:
        text = text.replace(f"../catalogues/{name}/schemas, ", "").replace(
            f"../catalogues/{name}", catalogue_root
        )
    _write_new(path, text.encode("utf-8"))
    return Written([path])


FLOWS_FILE = '''"""Publishing flows of this catalogue project; prefect.yaml deploys them.

Each dataset goes gather -> validate -> plan -> apply; the flow bodies ship with
opendata-pipeline (opendata_pipeline/flows.py), so every project runs the same flows.
"""

from opendata_pipeline.flows import publish_catalogue, publish_dataset

__all__ = ["publish_catalogue", "publish_dataset"]
'''

GITIGNORE = ".cache/\n.prefect/\n.portal/\n"


def init_project(folder: Path, name: str = "default") -> Written:
    """Make ``folder`` a catalogue project: ``odp.yaml``, a profile, folders, flows, prefect.yaml.

    Raises:
        ConfigError: ``folder`` is already a project or a file would be overwritten.
    """
    ckan_name(name, "profile name")
    files = {
        folder
        / MARKER: f"# A catalogue project of opendata-pipeline (odp).\ndefault_profile: {name}\n",
        folder / "flows" / "publish.py": FLOWS_FILE,
        folder / "prefect.yaml": _prefect_yaml(),
        folder / ".gitignore": GITIGNORE,
    }
    profile = folder / "profiles" / f"{name}.yaml"
    _refuse_existing([*files, profile])
    for path, text in files.items():
        _write_new(path, text.encode("utf-8"))
    written = init_profile(name, folder / "profiles", catalogue_root="..")
    for sub in ("datasets", "schemas"):
        (folder / sub).mkdir(exist_ok=True)
    return Written([*files, *written.files])


def _prefect_yaml() -> str:
    document = {
        "name": "opendata-catalogue",
        "pull": [{"opendata_pipeline.orchestrate.pull.enter_project": {}}],
        "deployments": [
            {
                "name": "catalogue",
                "entrypoint": "flows/publish.py:publish_catalogue",
                "enforce_parameter_schema": True,
                "parameters": {"dry_run": False, "fan_out": False},
                "work_pool": {"name": "odp-process", "work_queue_name": "default"},
            }
        ],
    }
    header = (
        "# Prefect deployments of this project. After adding datasets, regenerate with:\n"
        "#   odp deployments > prefect.yaml\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False)
