"""A catalogue project: the folder with ``odp.yaml``, its profiles, declarations and schemas.

``odp`` finds the project by walking up from the working directory to the first
folder holding ``odp.yaml`` (like git finds ``.git``), unless ``$ODP_PROJECT`` or
``--project`` names it. Every YAML file of a project is read by :func:`load_yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .catalogue import CatalogueDefaults, DatasetSpec
from .errors import ConfigError
from .names import ckan_name
from .profile import PublisherProfile

MARKER = "odp.yaml"


class ProjectFile(BaseModel):
    """``odp.yaml``: marks the project folder and holds project-wide choices."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_profile: str = "default"
    """The profile commands use when neither ``--profile`` nor ``$ODP_PROFILE`` names one."""


def load_yaml(path: Path, what: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping.

    Args:
        what: what the file is, for messages (e.g. "publisher profile").

    Raises:
        ConfigError: the file is missing, not YAML, or not a mapping (names the file).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} does not exist") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {what} must be a mapping at the top level")
    return data


def validated(model: type[BaseModel], data: dict[str, Any], path: Path, what: str) -> Any:
    """``model`` from ``data``; errors name the file and each wrong field, one per line.

    Raises:
        ConfigError: ``data`` is not a valid ``model``.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise ConfigError(f"{path}: invalid {what}:\n" + "\n".join(lines)) from None


@dataclass(frozen=True)
class Project:
    """A catalogue project folder."""

    root: Path
    config: ProjectFile = ProjectFile()

    @classmethod
    def at(cls, root: Path) -> Project:
        """The project whose ``odp.yaml`` is in ``root``.

        Raises:
            ConfigError: ``root`` has no valid ``odp.yaml``.
        """
        marker = root / MARKER
        data = load_yaml(marker, "project file")
        return cls(root.resolve(), validated(ProjectFile, data, marker, "project file"))

    @classmethod
    def find(cls, explicit: Path | None = None, start: Path | None = None) -> Project:
        """The project named by ``explicit``, else the first one at or above ``start``.

        ``start`` defaults to the working directory. When that is not inside a project,
        the project this package is installed from (an editable install) is used.

        Raises:
            ConfigError: no project was found; names every place looked at.
        """
        if explicit is not None:
            return cls.at(explicit)
        here = (start or Path.cwd()).resolve()
        looked = [here, *here.parents]
        package = Path(__file__).resolve().parent
        for folder in [*looked, *package.parents]:
            if (folder / MARKER).is_file():
                return cls.at(folder)
        raise ConfigError(
            f"no catalogue project: no {MARKER} in {here} or any folder above it. "
            "Run 'odp init project' in a new folder, change into a project, or set ODP_PROJECT."
        )

    @property
    def profiles_dir(self) -> Path:
        return self.root / "profiles"

    @property
    def default_cache(self) -> Path:
        """Staged files and the HTTP cache, unless settings name another folder."""
        return self.root / ".cache"

    def profile_path(self, ref: str | None = None) -> Path:
        """The file of profile ``ref``: a name in ``profiles/`` or a path to a YAML file."""
        chosen = ref or self.config.default_profile
        if chosen.endswith((".yaml", ".yml")) or "/" in chosen:
            return Path(chosen).resolve()
        return self.profiles_dir / f"{chosen}.yaml"

    def load_profile(self, ref: str | None = None) -> PublisherProfile:
        """Read and check a publisher profile.

        Raises:
            ConfigError: the file is missing or not a valid profile; names the file and field.
        """
        path = self.profile_path(ref)
        if not path.is_file():
            known = sorted(p.stem for p in self.profiles_dir.glob("*.yaml"))
            raise ConfigError(
                f"publisher profile {path} does not exist (profiles in {self.profiles_dir}: "
                f"{', '.join(known) or 'none'}; create one with: odp init profile <name>)"
            )
        raw = load_yaml(path, "publisher profile")
        name = path.parent.name if path.stem == "profile" else path.stem
        profile: PublisherProfile = validated(
            PublisherProfile, {**raw, "name": name, "path": path}, path, "publisher profile"
        )
        return profile

    def profiles(self) -> list[Path]:
        """The profile files in ``profiles/``."""
        return sorted(self.profiles_dir.glob("*.yaml"))


def _merged(defaults: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``own`` over ``defaults``, mappings one level deep (``dcat.contact`` replaces as a whole)."""
    out = dict(defaults)
    for key, value in own.items():
        base = out.get(key)
        out[key] = (
            {**base, **value} if isinstance(base, dict) and isinstance(value, dict) else value
        )
    return out


def find_schema(schemas_dirs: list[Path], stem: str) -> Path:
    """``<stem>.schema.json`` in the first folder that has it (else where it would go)."""
    candidates = [d / f"{stem}.schema.json" for d in schemas_dirs]
    return next((c for c in candidates if c.exists()), candidates[0])


def load_dataset(
    folder: Path,
    schemas_dirs: list[Path],
    defaults: CatalogueDefaults | None = None,
    renames: dict[str, str] | None = None,
) -> DatasetSpec:
    """Read ``folder/dataset.yaml``; the slug is the folder name (after the publisher's prefix).

    Args:
        schemas_dirs: folders searched in order for ``<folder name>.schema.json``.
        defaults: fields inherited from the publisher profile.
        renames: folder name -> CKAN name of the catalogue's datasets (for foreign keys).

    Raises:
        ConfigError: the file is missing, not YAML, or not a valid declaration.
    """
    path = folder / "dataset.yaml"
    raw = load_yaml(path, "dataset declaration")
    defaults = defaults or CatalogueDefaults()
    if raw.setdefault("slug", folder.name) != folder.name:
        raise ConfigError(f"{path}: slug {raw['slug']!r} differs from folder name {folder.name!r}")
    ckan_name(defaults.name_prefix + folder.name, f"{path}: dataset name")
    raw = _merged(defaults.fields, {**raw, "slug": defaults.name_prefix + folder.name})
    schema_path = find_schema(schemas_dirs, folder.name)
    if raw.get("schema"):
        declared = (folder / raw["schema"]).resolve()
        if declared not in {(d / schema_path.name).resolve() for d in schemas_dirs}:
            raise ConfigError(
                f"{path}: schema must be {schema_path} (the folder name names the schema)"
            )
    fields = {**raw, "folder": folder, "schema_path": schema_path, "renames": renames or {}}
    spec: DatasetSpec = validated(DatasetSpec, fields, path, "dataset declaration")
    if not schema_path.exists():
        raise ConfigError(f"{path}: schema {schema_path} does not exist")
    return spec


def load_catalogue(
    root: Path, schemas_dirs: list[Path] | None = None, defaults: CatalogueDefaults | None = None
) -> dict[str, DatasetSpec]:
    """Load every dataset under ``root/datasets`` (CKAN name -> declaration).

    Args:
        schemas_dirs: where the Table Schemas are, searched in order (default ``root/schemas``).
        defaults: what the declarations inherit from their publisher.

    Raises:
        ConfigError: a declaration or schema is missing or invalid.
    """
    defaults = defaults or CatalogueDefaults()
    if not (root / "datasets").is_dir():
        raise ConfigError(f"{root}: no datasets/ folder (the catalogue root holds datasets/)")
    folders = sorted(p for p in (root / "datasets").iterdir() if (p / "dataset.yaml").exists())
    renames = {f.name: defaults.name_prefix + f.name for f in folders}
    dirs = schemas_dirs or [root / "schemas"]
    specs = (load_dataset(f, dirs, defaults, renames) for f in folders)
    return {spec.slug: spec for spec in specs}


def profile_catalogue(profile: PublisherProfile) -> dict[str, DatasetSpec]:
    """Load the datasets of a publisher (CKAN name -> declaration).

    Raises:
        ConfigError: a declaration or schema is missing or invalid.
    """
    return load_catalogue(profile.catalogue_root, profile.schemas_dirs, profile.dataset_defaults())
