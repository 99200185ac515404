"""The files of a version that are for people: readable history and report, spreadsheets.

Pure: built from the release, the changelog and the report; ``apply`` uploads
them with the other files of the version in the same ``package_revise``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import history
from .artifacts import READABLE_ROLES
from .spreadsheets import EXCEL_MAX_ROWS, XLSX_MAX_ROWS, excel_csv, workbook

if TYPE_CHECKING:
    from .plan import Release

#: A readable file longer than this is cut (at a version) for the resource description.
DESCRIPTION_MAX_CHARS = 20_000


def version_files(
    release: Release, changelog: dict[str, Any], report: dict[str, Any]
) -> dict[str, bytes]:
    """Role -> bytes: the readable history and report, and the spreadsheet variants.

    The spreadsheet variants are left out of tables too large for them.
    """
    title, version = release.spec.title, report.get("version", "")
    files = {
        "history_md": history.history_markdown(changelog).encode("utf-8"),
        "report_md": history.report_markdown(title, version, report, release.schema).encode(),
    }
    if release.rows <= XLSX_MAX_ROWS:
        files["xlsx"] = workbook(release.data(), release.schema, title)
    if release.rows <= EXCEL_MAX_ROWS:
        files["csv_excel"] = excel_csv(release.data(), release.schema)
    return files


def description(role: str, contents: dict[str, bytes]) -> str:
    """The resource description of a readable file: its text, cut at a version if long."""
    if role not in READABLE_ROLES or role not in contents:
        return ""
    text = contents[role].decode("utf-8")
    if len(text) <= DESCRIPTION_MAX_CHARS:
        return text
    cut = text.rfind("\n#### ", 0, DESCRIPTION_MAX_CHARS)
    cut = cut if cut > 0 else DESCRIPTION_MAX_CHARS
    return text[:cut].rstrip() + "\n\nWeitere, ältere Einträge stehen in der Datei selbst.\n"
