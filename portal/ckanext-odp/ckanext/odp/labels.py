"""German labels and readable values for the dataset extras the publisher writes.

Pure (no CKAN): ``rows`` turns a package's extras into (label, value, link)
rows for the dataset page's "Zusätzliche Informationen". The API is not
touched: it keeps the machine values (IRIs, JSON lists, ISO dates).
"""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

_LABELS_FILE = Path(__file__).parent / "vocab" / "labels.json"
EU = "http://publications.europa.eu/resource/authority/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"

#: Extras in the order shown, with their German labels.
FIELDS = {
    "publisher_name": "Herausgeber",
    "publisher_type": "Art des Herausgebers",
    "publisher_url": "Webseite des Herausgebers",
    "contact_name": "Ansprechstelle",
    "contact_email": "E-Mail der Ansprechstelle",
    "contact_url": "Webseite der Ansprechstelle",
    "theme": "Kategorien",
    "frequency": "Aktualisierungsfrequenz",
    "temporal_start": "Zeitraum von",
    "temporal_end": "Zeitraum bis",
    "politicalGeocodingURI": "Räumliche Abdeckung",
    "politicalGeocodingLevelURI": "Verwaltungsebene",
    "language": "Sprache",
    "access_rights": "Zugänglichkeit",
    "licenseAttributionByText": "Namensnennung",
    "conforms_to": "Entspricht dem Schema",
    "references": "Musterdatenkatalog",
    "contributorID": "Datenbereitsteller",
    "version_notes": "Änderungen dieser Version",
}
#: Extras that are bookkeeping, not metadata a reader needs.
HIDDEN = {"odp_slug"}
_LANGUAGES = {"DEU": "Deutsch", "ENG": "Englisch", "FRA": "Französisch", "NLD": "Niederländisch"}
_KEY_KINDS = {
    "stateKey": "Land",
    "districtKey": "Kreis",
    "municipalityKey": "Gemeinde",
    "regionalKey": "Regionalschlüssel",
    "municipalAssociationKey": "Gemeindeverband",
    "governmentDistrictKey": "Regierungsbezirk",
}


class Row(NamedTuple):
    """One line of the table: label, shown text, and a link for it (or None)."""

    label: str
    text: str
    link: str | None = None


@functools.lru_cache(maxsize=1)
def vocab_labels() -> dict[str, dict[str, str]]:
    """German labels by vocabulary: frequency, theme, publisher_type, ... -> {IRI: label}."""
    data: dict[str, dict[str, str]] = json.loads(_LABELS_FILE.read_text(encoding="utf-8"))
    return data


def _as_list(value: str) -> list[str]:
    try:
        parsed = json.loads(value)
    except ValueError:
        return [value]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


def _german_date(value: str) -> str:
    try:
        return date.fromisoformat(value[:10]).strftime("%d.%m.%Y")
    except ValueError:
        return value


def _geocoding(iri: str) -> str:
    """``.../districtKey/05974`` -> ``Kreis 05974``."""
    if not iri.startswith(GEOCODING):
        return iri
    kind, _, key = iri[len(GEOCODING) :].partition("/")
    return f"{_KEY_KINDS.get(kind, kind)} {key}".strip()


def values(key: str, value: str) -> list[Row]:
    """The rows one extra becomes (lists give one row per item)."""
    label = FIELDS.get(key, key)
    vocab = vocab_labels()
    names = {
        "frequency": vocab["frequency"],
        "theme": vocab["theme"],
        "publisher_type": vocab["publisher_type"],
        "politicalGeocodingLevelURI": vocab["geocoding_level"],
        "access_rights": vocab["access_rights"],
    }
    if key in names:
        items = _as_list(value) if key == "theme" else [value]
        text = ", ".join(names[key].get(i, i) for i in items)
        return [Row(label, text)]
    if key == "language":
        codes = [i.rsplit("/", 1)[-1] for i in _as_list(value)]
        return [Row(label, ", ".join(_LANGUAGES.get(c, c) for c in codes))]
    if key in ("temporal_start", "temporal_end"):
        return [Row(label, _german_date(value))]
    if key == "politicalGeocodingURI":
        return [Row(label, _geocoding(i), i) for i in _as_list(value)]
    if key == "contributorID":
        return [Row(label, i.rstrip("/").rsplit("/", 1)[-1], i) for i in _as_list(value)]
    if key in ("conforms_to", "references"):
        return [Row(label, i, i) for i in _as_list(value)]
    if key == "contact_email":
        return [Row(label, value, "mailto:" + value)]
    if key in ("contact_url", "publisher_url"):
        return [Row(label, value, value)]
    return [Row(label, value)]


def rows(extras: list[dict[str, Any]]) -> list[Row]:
    """The extras as rows: known keys first in a fixed order, then the others by key."""
    present = {
        e["key"]: str(e["value"])
        for e in extras
        if e.get("state") != "deleted" and e.get("key") not in HIDDEN and e.get("value")
    }
    order = [k for k in FIELDS if k in present] + sorted(k for k in present if k not in FIELDS)
    return [row for key in order for row in values(key, present[key])]
