"""What a person reads on the portal: the version history and the validation report as text.

Pure: Markdown from the changelog, the validation report and the schema. Every CKAN
renders Markdown in a dataset's description and a resource's description (no view
plugin needed), so the texts below are readable on any portal; the same texts are
also published as files.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The dataset description ends with this section; everything before it is the steward's.
NOTES_HEADING = "\n\n### Versionen\n"
#: Versions listed in the dataset description (all of them are in the history file).
NOTES_VERSIONS = 3
_LEVELS = {"minor": "kompatibel", "major": "nicht kompatibel"}
_TYPES = {
    "string": "Text",
    "integer": "ganze Zahl",
    "number": "Zahl",
    "boolean": "Wahrheitswert",
    "date": "Datum",
    "datetime": "Zeitpunkt",
    "time": "Uhrzeit",
    "year": "Jahr",
    "yearmonth": "Jahr und Monat",
    "duration": "Dauer",
    "object": "JSON-Objekt",
    "array": "JSON-Liste",
    "geopoint": "Geokoordinate",
    "geojson": "GeoJSON",
    "any": "beliebig",
}


def _berlin() -> Any:
    try:
        return ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:  # a system without time-zone data: say UTC
        return None


def german_time(iso: str | None) -> str:
    """``2026-11-22T01:21:41+00:00`` -> ``22.11.2026, 02:21 Uhr`` (Berlin time)."""
    if not iso:
        return "unbekannt"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    zone = _berlin()
    if zone is None or moment.tzinfo is None:
        return moment.strftime("%d.%m.%Y, %H:%M") + (" UTC" if moment.tzinfo else "")
    return moment.astimezone(zone).strftime("%d.%m.%Y, %H:%M Uhr")


def german_date(iso: str | None) -> str:
    """``2026-11-22T01:21:41+00:00`` -> ``22.11.2026`` (Berlin date)."""
    return german_time(iso).split(",")[0]


def _md(text: Any) -> str:
    """A value as inline Markdown text: no markup, no line breaks."""
    value = " ".join(str(text).split())
    for char in "\\`*[]<>":
        value = value.replace(char, "\\" + char)
    return value or "(leer)"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def row_summary(entry: dict[str, Any]) -> str:
    """``6 Zeilen (1 neu, 0 entfernt, 1 geändert)``; a first version: ``3 Zeilen, alle neu``."""
    rows = entry.get("rows")
    total = _count(rows, "Zeile", "Zeilen") if isinstance(rows, int) else "Zeilen"
    added = entry.get("rows_added", 0)
    removed, changed = entry.get("rows_removed", 0), entry.get("rows_changed", 0)
    if added == rows and not removed and not changed:
        return f"{total}, alle neu"
    return f"{total} ({added} neu, {removed} entfernt, {changed} geändert)"


def _first_version(entry: dict[str, Any]) -> bool:
    added, rows = entry.get("rows_added", 0), entry.get("rows")
    return added == rows and not entry.get("rows_removed") and not entry.get("rows_changed")


def schema_lines(entry: dict[str, Any]) -> list[str]:
    """One line per schema change of a changelog entry (none: no line)."""
    return [
        f"{_LEVELS.get(c.get('level', ''), c.get('level', ''))}: {_md(c.get('text', ''))}"
        for c in entry.get("schema_changes") or []
    ]


def _row_text(row: dict[str, Any]) -> str:
    return "; ".join(f"{_md(k)}: {_md(v)}" for k, v in row.items())


def change_lines(entry: dict[str, Any]) -> list[str]:
    """The rows a version added, removed or changed, when it lists them (few changes)."""
    lines = []
    for change in entry.get("row_changes") or []:
        kind = change.get("change")
        if kind == "added":
            lines.append(f"neu: {_row_text(change.get('row', {}))}")
        elif kind == "removed":
            lines.append(f"entfernt: {_row_text(change.get('row', {}))}")
        elif kind == "changed":
            key = _row_text(change.get("key", {}))
            fields = "; ".join(
                f"{_md(name)}: {_md(old)} → {_md(new)}"
                for name, (old, new) in change.get("fields", {}).items()
            )
            lines.append(f"geändert ({key}): {fields}")
    return lines


def version_section(entry: dict[str, Any]) -> str:
    """One version of the history: heading, date, rows, schema, changed rows, download."""
    version = entry.get("version", "?")
    lines = [f"#### Version {version} vom {german_date(entry.get('published_at'))}", ""]
    lines.append(f"- Veröffentlicht: {german_time(entry.get('published_at'))}")
    lines.append(f"- {row_summary(entry)}")
    schema = schema_lines(entry)
    lines.append("- Schema: " + ("unverändert" if not schema else f"{len(schema)} Änderung(en)"))
    lines += [f"    - {line}" for line in schema]
    changes = change_lines(entry)
    if changes:
        lines.append("- Geänderte Zeilen:")
        lines += [f"    - {line}" for line in changes]
    elif (
        entry.get("row_changes") is None
        and not _first_version(entry)
        and (entry.get("rows_added") or entry.get("rows_removed") or entry.get("rows_changed"))
    ):
        lines.append(
            "- Geänderte Zeilen: nicht einzeln aufgeführt (mehr als 10 oder große Tabelle)"
        )
    if entry.get("url"):
        name = str(entry["url"]).rsplit("/", 1)[-1]
        lines.append(f"- Download dieser Version: [{_md(name)}]({entry['url']})")
    if entry.get("sha256"):
        lines.append(f"- Prüfsumme (SHA-256): `{entry['sha256']}`")
    return "\n".join(lines) + "\n"


def history_markdown(changelog: dict[str, Any]) -> str:
    """The version history, newest version first."""
    versions = list(changelog.get("versions") or [])
    title = changelog.get("title") or changelog.get("dataset", "")
    which = f"Alle {len(versions)} Versionen" if len(versions) != 1 else "Die erste Version"
    parts = [
        f"{which} von „{_md(title)}“, die neueste zuerst: Datum, Zeilenänderungen, "
        "Schemaänderungen und bei kleinen Änderungen die Zeilen selbst. Jede Version bleibt "
        "als unveränderliche CSV-Datei abrufbar.",
        "",
    ]
    parts += [version_section(entry) for entry in versions]
    return "\n".join(parts).rstrip() + "\n"


def notes_section(changelog: dict[str, Any], history_url: str | None) -> str:
    """The section the dataset description ends with: the newest versions in one line each."""
    versions = list(changelog.get("versions") or [])[:NOTES_VERSIONS]
    link = f"; alle in der [Versionsgeschichte]({history_url})" if history_url else ""
    lines = [NOTES_HEADING, f"Neueste zuerst{link}.", ""]
    for entry in versions:
        schema = schema_lines(entry)
        text = row_summary(entry)
        if schema:
            text += "; Schema: " + "; ".join(schema)
        version = entry.get("version", "?")
        lines.append(f"- **{version}** vom {german_date(entry.get('published_at'))}: {text}")
    return "\n".join(lines) + "\n"


def steward_notes(notes: str | None) -> str:
    """The description without the versions section this module appends."""
    return (notes or "").split(NOTES_HEADING, 1)[0].strip()


def versions_section_of(notes: str | None) -> str:
    """The versions section of a published description ('' when it has none)."""
    text = notes or ""
    at = text.find(NOTES_HEADING)
    return text[at:].rstrip() if at >= 0 else ""


def dataset_notes(notes: str, changelog: dict[str, Any], history_url: str | None) -> str:
    """The dataset description: the steward's text, then the newest versions."""
    return notes.strip() + notes_section(changelog, history_url).rstrip()


def _names(fields: Any) -> str:
    """A key's field or fields: ``id`` or ``(jahr, id)``."""
    if isinstance(fields, list):
        return (
            "(" + ", ".join(_md(f) for f in fields) + ")" if len(fields) > 1 else _names(fields[0])
        )
    return _md(fields)


def _rules(field: dict[str, Any], key: list[str]) -> str:
    kind = _TYPES.get(field.get("type", "string"), field.get("type", "string"))
    fmt = field.get("format")
    rules = [kind + (f" im Format {_md(fmt)}" if fmt and fmt != "default" else "")]
    constraints = field.get("constraints") or {}
    if constraints.get("required") or field.get("name") in key:
        rules.append("Pflichtfeld")
    if constraints.get("unique"):
        rules.append("eindeutig")
    if "enum" in constraints:
        rules.append("einer der Werte " + ", ".join(_md(v) for v in constraints["enum"]))
    for name, text in (
        ("minimum", "mindestens"),
        ("maximum", "höchstens"),
        ("minLength", "mindestens Zeichen:"),
        ("maxLength", "höchstens Zeichen:"),
    ):
        if name in constraints:
            rules.append(f"{text} {_md(constraints[name])}")
    if "pattern" in constraints:
        rules.append(f"Muster `{constraints['pattern']}`")
    return ", ".join(rules)


def report_markdown(
    title: str, version: str, report: dict[str, Any], schema: dict[str, Any]
) -> str:
    """The validation report of a published version, for people: result and every rule."""
    key = schema.get("primaryKey") or []
    key = [key] if isinstance(key, str) else list(key)
    valid = report.get("valid", False)
    total = report.get("errors_total", 0)
    rows = report.get("rows", 0)
    verdict = (
        f"**Ergebnis: gültig.** {_count(rows, 'Zeile', 'Zeilen')} geprüft, keine Fehler."
        if valid
        else f"**Ergebnis: ungültig.** {total} Fehler in {_count(rows, 'Zeile', 'Zeilen')}."
    )
    lines = [
        f"Prüfbericht von „{_md(title)}“, Version {version}: jede Zeile wurde gegen das Table "
        "Schema geprüft, bevor sie veröffentlicht wurde.",
        "",
        verdict,
        "",
        f"- Geprüft: {german_time(report.get('published_at'))}",
        f"- Datei: {_md(report.get('file', ''))}",
        f"- Prüfprogramm: opendata-pipeline ({_md(report.get('engine', ''))}), Regeln "
        "nach Frictionless Table Schema",
        "",
        "#### Geprüfte Regeln",
        "",
    ]
    for field in schema.get("fields", []):
        title = field.get("title")
        label = f" ({_md(title)})" if title and title != field["name"] else ""
        lines.append(f"- `{field['name']}`{label}: {_rules(field, key)}")
    if key:
        lines.append(f"- Primärschlüssel: {', '.join(_md(k) for k in key)} (eindeutig je Zeile)")
    for fk in schema.get("foreignKeys", []):
        fields = fk.get("fields")
        ref = fk.get("reference", {})
        target = f"{_md(ref.get('resource') or 'sich selbst')}.{_names(ref.get('fields'))}"
        lines.append(f"- Fremdschlüssel: {_names(fields)} verweist auf {target}")
    for error_type, count in sorted((report.get("errors_by_type") or {}).items()):
        lines.append(f"- Fehler `{error_type}`: {count}")
    return "\n".join(lines) + "\n"
