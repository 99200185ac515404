"""The files of a version that are for people: readable history and report, spreadsheets.

Built from the release, the changelog and the report; the spreadsheet variants are
written to files (large tables never fit in memory twice); ``apply`` uploads them
with the other files of the version in the same ``package_revise``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import history
from .artifacts import READABLE_ROLES
from .spreadsheets import EXCEL_MAX_ROWS, XLSX_MAX_ROWS, write_excel_csv, write_workbook

if TYPE_CHECKING:
    from .plan import Release

#: A readable file longer than this is cut (at a version) for the resource description.
DESCRIPTION_MAX_CHARS = 20_000


def version_files(
    release: Release,
    changelog: dict[str, Any],
    report: dict[str, Any],
    folder: Path | None = None,
) -> dict[str, bytes | Path]:
    """Role -> content: the readable history and report (bytes), the spreadsheet variants.

    The spreadsheet variants are written as files into ``folder`` (default: next to the
    staged table), streaming, so that a large table is never held in memory; they are
    left out of tables too large for them.
    """
    title, version = release.spec.title, report.get("version", "")
    files: dict[str, bytes | Path] = {
        "history_md": history.history_markdown(changelog).encode("utf-8"),
        "report_md": history.report_markdown(title, version, report, release.schema).encode(),
    }
    folder = folder or release.data_path.parent
    stem = f"{release.data_path.stem}-{release.schema_sha256[:16]}"
    if release.rows <= XLSX_MAX_ROWS:
        files["xlsx"] = _written(
            folder / f"{stem}.xlsx",
            lambda fh: write_workbook(release.data_path, release.schema, title, fh),
        )
    if release.rows <= EXCEL_MAX_ROWS:
        files["csv_excel"] = _written(
            folder / f"{stem}-excel.csv",
            lambda fh: write_excel_csv(release.data_path, release.schema, fh),
        )
    return files


def _written(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file through a temporary name, so that a reader never sees half of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def description(role: str, contents: Mapping[str, bytes | Path]) -> str:
    """The resource description of a readable file: its text, cut at a version if long."""
    content = contents.get(role) if role in READABLE_ROLES else None
    if not isinstance(content, bytes):
        return ""
    text = content.decode("utf-8")
    if len(text) <= DESCRIPTION_MAX_CHARS:
        return text
    cut = text.rfind("\n#### ", 0, DESCRIPTION_MAX_CHARS)
    cut = cut if cut > 0 else DESCRIPTION_MAX_CHARS
    return text[:cut].rstrip() + "\n\nWeitere, ältere Einträge stehen in der Datei selbst.\n"
