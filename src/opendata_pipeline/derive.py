"""Derive a catalogue from another under new slugs: for other publishers, tests, benchmarks."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from .catalogue import load_catalogue
from .profile import load_profile


def derive_catalogue(
    source: Path, dest: Path, rename: Callable[[str], str], only: list[str] | None = None
) -> dict[str, str]:
    """Copy datasets and schemas from ``source`` to ``dest``, renaming every slug.

    Dataset folders, schema files, the ``schema:`` reference and foreign-key
    targets follow the new names; data files and sources are copied unchanged.
    Declarations are checked with the default profile's publisher fields.

    Returns:
        old slug -> new slug.
    """
    defaults = dataclasses.replace(load_profile().dataset_defaults(), name_prefix="")
    catalogue = load_catalogue(source, defaults=defaults)
    names = {slug: rename(slug) for slug in (only or catalogue)}
    (dest / "schemas").mkdir(parents=True, exist_ok=True)
    for old, new in names.items():
        spec = catalogue[old]
        folder = dest / "datasets" / new
        shutil.copytree(spec.folder, folder, dirs_exist_ok=True)
        declaration = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
        declaration["schema"] = f"../../schemas/{new}.schema.json"
        declaration.pop("slug", None)
        (folder / "dataset.yaml").write_text(
            yaml.safe_dump(declaration, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        schema = spec.table_schema()
        for fk in schema.get("foreignKeys", []):
            target = fk.get("reference", {}).get("resource")
            if target in names:
                fk["reference"]["resource"] = names[target]
        (dest / "schemas" / f"{new}.schema.json").write_text(
            json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return names
