"""Copies of the shipped catalogue under new names, with a profile of their own (for tests)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from opendata_pipeline.project import load_catalogue
from tests.project import ROOT, load_profile


def derive_catalogue(
    source: Path, dest: Path, rename: Callable[[str], str], only: list[str] | None = None
) -> dict[str, str]:
    """Copy datasets and schemas from ``source`` to ``dest``, renaming every slug.

    Dataset folders, schema files, the ``schema:`` reference and foreign-key
    targets follow the new names; data files and sources are copied unchanged.

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


def profile_for(catalogue_root: Path, path: Path, **changes: Any) -> Path:
    """Write a copy of the default profile at ``path`` whose catalogue is ``catalogue_root``.

    The copy names no portal and no token file (tests pass them in explicitly).
    """
    raw = yaml.safe_load((ROOT / "profiles" / "default.yaml").read_text(encoding="utf-8"))
    raw["catalogue"] = {
        **raw.get("catalogue", {}),
        "root": str(catalogue_root),
        "schemas": [str(catalogue_root / "schemas")],
    }
    raw["portal_url"] = None
    raw["token"] = {"env": "ODP_CKAN_TOKEN", "block": "odp-ckan-token"}
    raw.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
