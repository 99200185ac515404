"""Write the vocabulary snapshots, the portal's licence list and the plugin's format table.

The outputs are committed; this script documents how they were made and remakes
them from the same inputs:

- ``--staticat DIR``: the ``staticat/vocab`` folder of the PyPI package
  ``staticat==0.0.11`` (``pip download --no-deps staticat==0.0.11``, unzip). It
  holds the Publications Office's file-type table (XML, version 20240925-0), the
  data-theme (20240612-0) and planned-availability (20220715-0) tables and the
  dcat-ap.de licence list (20210721), all unmodified.
- ``--mime-db FILE``: ``db.json`` of the npm package ``mime-db@1.54.0``
  (``npm pack mime-db@1.54.0``); entries with ``"source": "iana"`` are the media
  types of IANA's registry.

The smaller lists below are typed in from the documents named beside each.

    .venv/bin/python scripts/build_dcat_vocabularies.py --staticat X/staticat/vocab \
        --mime-db package/db.json
"""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DC, RDF, SKOS

ROOT = Path(__file__).resolve().parents[1]
VOCAB_DIR = ROOT / "tests" / "data" / "dcat" / "vocabularies"
PLUGIN_DIR = ROOT / "portal" / "ckanext-odp" / "ckanext" / "odp" / "vocab"
LICENSES_FILE = ROOT / "portal" / "licenses" / "dcat-ap-de.json"

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

#: EU frequency authority table: the 39 codes listed by two independent mirrors of
#: the table (ckanext-digitraffic_theme's vocabulary module and GeoNetwork's
#: ISO 19115-3 -> DCAT mapping, which lists the 33 older ones).
FREQUENCIES = {
    "1MIN": "minütlich",
    "5MIN": "alle fünf Minuten",
    "10MIN": "alle zehn Minuten",
    "15MIN": "viertelstündlich",
    "30MIN": "halbstündlich",
    "HOURLY": "stündlich",
    "BIHOURLY": "alle zwei Stunden",
    "TRIHOURLY": "alle drei Stunden",
    "12HRS": "alle zwölf Stunden",
    "CONT": "kontinuierlich",
    "UPDATE_CONT": "ständig aktualisiert",
    "DAILY": "täglich",
    "DAILY_2": "zweimal täglich",
    "WEEKLY": "wöchentlich",
    "WEEKLY_2": "zweimal wöchentlich",
    "WEEKLY_3": "dreimal wöchentlich",
    "BIWEEKLY": "zweiwöchentlich",
    "MONTHLY": "monatlich",
    "MONTHLY_2": "zweimal im Monat",
    "MONTHLY_3": "dreimal im Monat",
    "BIMONTHLY": "zweimonatlich",
    "QUARTERLY": "vierteljährlich",
    "ANNUAL": "jährlich",
    "ANNUAL_2": "halbjährlich",
    "ANNUAL_3": "dreimal im Jahr",
    "BIENNIAL": "zweijährlich",
    "TRIENNIAL": "dreijährlich",
    "QUADRENNIAL": "alle vier Jahre",
    "QUINQUENNIAL": "alle fünf Jahre",
    "DECENNIAL": "alle zehn Jahre",
    "BIDECENNIAL": "alle zwanzig Jahre",
    "TRIDECENNIAL": "alle dreißig Jahre",
    "AS_NEEDED": "bei Bedarf",
    "IRREG": "unregelmäßig",
    "NOT_PLANNED": "nicht geplant",
    "NEVER": "nie",
    "UNKNOWN": "unbekannt",
    "OTHER": "sonstige",
    "OP_DATPRO": "vorläufige Daten",
}
#: ADMS publisher types (ADMS_SKOS_v1.00.rdf of the SEMIC ADMS-AP repository).
PUBLISHER_TYPES = {
    "Academia-ScientificOrganisation": "Wissenschaftliche Einrichtung",
    "Company": "Unternehmen",
    "IndustryConsortium": "Industriekonsortium",
    "LocalAuthority": "Kommunalverwaltung",
    "NationalAuthority": "Bundesbehörde",
    "NonGovernmentalOrganisation": "Nichtregierungsorganisation",
    "NonProfitOrganisation": "Gemeinnützige Organisation",
    "PrivateIndividual(s)": "Privatperson(en)",
    "RegionalAuthority": "Landesbehörde",
    "StandardisationBody": "Normungsorganisation",
    "SupraNationalAuthority": "Supranationale Behörde",
}
#: dcat-ap.de political geocoding levels, list version 1.0
#: (https://www.dcat-ap.de/def/politicalGeocoding/Level/1_0.rdf).
GEOCODING_LEVELS = {
    "international": "international",
    "european": "europäisch",
    "federal": "Bund",
    "state": "Land",
    "administrativeDistrict": "Kreis",
    "municipality": "Gemeinde",
}
#: EU access-right table (as mirrored by Informasjonsforvaltning/fdk-reference-data).
ACCESS_RIGHTS = {
    "PUBLIC": "öffentlich",
    "RESTRICTED": "eingeschränkt",
    "NON_PUBLIC": "nicht öffentlich",
    "CONFIDENTIAL": "vertraulich",
    "NORMAL": "normal",
    "SENSITIVE": "sensibel",
    "OP_DATPRO": "vorläufige Daten",
}
#: EU distribution-status table (DCAT-AP.de 3.0 spec, kv-distribution-status).
DISTRIBUTION_STATUS = ["COMPLETED", "DEPRECATED", "DEVELOP", "WITHDRAWN", "OP_DATPRO"]
#: SPDX 2.3 checksum algorithms (http://spdx.org/rdf/terms#checksumAlgorithm_*).
CHECKSUM_ALGORITHMS = [
    "adler32",
    "blake2b256",
    "blake2b384",
    "blake2b512",
    "blake3",
    "md2",
    "md4",
    "md5",
    "md6",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha3_256",
    "sha3_384",
    "sha3_512",
    "sha512",
]
#: GovData's open-licence flags (dashboard list ``dcat-ap-de-licenses-open.rdf``).
OPEN_LICENSES = {
    "apache", "bsd", "cc-by", "cc-by-de/3.0", "cc-by-sa", "cc-by-sa-de/3.0", "cc-by-sa/4.0",
    "cc-by/4.0", "cc-zero", "ccpdm/1.0", "dl-by-de/1.0", "dl-by-de/2.0", "dl-zero-de/2.0",
    "geoNutz/20131001", "geonutz/20130319", "gfdl", "gpl/3.0", "mozilla", "odbl", "odby",
    "odcpddl", "officialWork", "other-open", "other-opensource",
}  # fmt: skip
#: CKAN licence ids for dcat-ap.de licences where portals (GovData, Open.NRW) use a short
#: id of their own; every other licence's id is its dcat-ap.de path with "/" as "-".
LICENSE_IDS = {
    "dl-by-de/2.0": "dl-de-by-2.0",
    "dl-zero-de/2.0": "dl-de-zero-2.0",
    "dl-by-de/1.0": "dl-de-by-1.0",
    "dl-by-nc-de/1.0": "dl-de-by-nc-1.0",
    "cc-by/4.0": "cc-by-4.0",
    "cc-by-sa/4.0": "cc-by-sa-4.0",
}

_HEADER = (
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    "@prefix dct: <http://purl.org/dc/terms/> .\n"
)


def _ttl(
    scheme: str,
    members: Iterable[str] | dict[str, str],
    source: str,
    extra_type: str = "",
    concepts: bool = True,
) -> str:
    """Turtle: the scheme (with a title) and each member ``skos:inScheme`` it.

    Members are ``skos:Concept`` with a ``skos:prefLabel`` (the German label where the
    source has one, else the code), as the EU vocabularies themselves state.
    """
    labels = members if isinstance(members, dict) else {m: "" for m in members}
    lines = [f"# {line}" for line in source.strip().splitlines()]
    lines += [_HEADER, f"<{scheme}> a skos:ConceptScheme ; dct:title {_lit(scheme)} .", ""]
    kind = "skos:Concept" + (f", <{extra_type}>" if extra_type else "")
    for iri in sorted(labels):
        label = labels[iri] or iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if concepts:
            lines.append(
                f"<{iri}> a {kind} ; skos:inScheme <{scheme}> ; skos:prefLabel {_lit(label)} ."
            )
        else:
            lines.append(f"<{iri}> skos:inScheme <{scheme}> .")
    return "\n".join(lines) + "\n"


def _lit(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def file_types(staticat: Path) -> list[dict[str, object]]:
    """The EU file-type table's records: code, media type, extensions, deprecated."""
    root = ET.parse(staticat / "file-type.xml").getroot()  # noqa: S314 - a local file
    out = []
    for record in root.findall("record"):
        out.append(
            {
                "code": record.findtext("authority-code"),
                "media_type": record.findtext("internet-media-type") or None,
                "extensions": [e.text for e in record.findall("file-extension") if e.text],
                "deprecated": record.get("deprecated") == "true",
            }
        )
    return out


def concepts(path: Path) -> list[tuple[str, str, str]]:
    """(IRI, identifier, German label) of the SKOS concepts in an RDF/XML file."""
    g = Graph()
    g.parse(path)
    rows = []
    for c in g.subjects(RDF.type, SKOS.Concept):
        de = [str(v) for v in g.objects(c, SKOS.prefLabel) if v.language == "de"]
        rows.append((str(c), str(g.value(c, DC.identifier) or ""), de[0] if de else ""))
    return sorted(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staticat", type=Path, required=True)
    parser.add_argument("--mime-db", type=Path, required=True)
    args = parser.parse_args()
    VOCAB_DIR.mkdir(parents=True, exist_ok=True)
    PLUGIN_DIR.mkdir(parents=True, exist_ok=True)

    types = file_types(args.staticat)
    write = lambda name, text: (VOCAB_DIR / name).write_text(text, encoding="utf-8")  # noqa: E731
    write(
        "file-type.ttl",
        _ttl(
            EU + "file-type",
            [EU + "file-type/" + str(t["code"]) for t in types],
            "EU file-type authority table, version 20240925-0 (Publications Office),\n"
            "as shipped unmodified in the PyPI package staticat 0.0.11 (staticat/vocab/"
            "file-type.xml).\nAll 215 codes, the 4 deprecated ones included.",
        ),
    )
    mime = json.loads(args.mime_db.read_text(encoding="utf-8"))
    iana = [IANA + name for name, entry in mime.items() if entry.get("source") == "iana"]
    write(
        "media-types.ttl",
        _ttl(
            "https://www.iana.org/assignments/media-types",
            iana,
            "IANA media types registry: every type the npm package mime-db 1.54.0 marks\n"
            f'"source": "iana" ({len(iana)} types). IANA publishes no SKOS scheme; the scheme\n'
            "IRI below is this project's name for the registry.",
            concepts=False,
        ),
    )
    for name, scheme, rdf_file, version in (
        ("data-theme.ttl", EU + "data-theme", "data-theme.rdf", "20240612-0"),
        (
            "planned-availability.ttl",
            EU + "planned-availability",
            "availability.rdf",
            "20220715-0",
        ),
        ("licenses.ttl", "http://dcat-ap.de/def/licenses", "license.rdf", "20210721"),
    ):
        members = {iri: de for iri, _, de in concepts(args.staticat / rdf_file)}
        write(
            name,
            _ttl(
                scheme,
                members,
                f"{scheme}, version {version}, as shipped unmodified in the PyPI package\n"
                f"staticat 0.0.11 (staticat/vocab/{rdf_file}); all {len(members)} concepts.",
            ),
        )
    write(
        "frequency.ttl",
        _ttl(
            EU + "frequency",
            {EU + "frequency/" + c: de for c, de in FREQUENCIES.items()},
            "EU frequency authority table: the 39 codes two independent mirrors of the\n"
            "table list (see scripts/build_dcat_vocabularies.py).",
        ),
    )
    write(
        "publisher-type.ttl",
        _ttl(
            "http://purl.org/adms/publishertype/1.0",
            {"http://purl.org/adms/publishertype/" + c: de for c, de in PUBLISHER_TYPES.items()},
            "ADMS publisher types (ADMS_SKOS_v1.00.rdf, SEMIC ADMS-AP); all 11.",
        ),
    )
    write(
        "geocoding-level.ttl",
        _ttl(
            "http://dcat-ap.de/def/politicalGeocoding/Level",
            {
                "http://dcat-ap.de/def/politicalGeocoding/Level/" + c: de
                for c, de in GEOCODING_LEVELS.items()
            },
            "dcat-ap.de political geocoding levels, list version 1.0; all 6.",
        ),
    )
    write(
        "access-right.ttl",
        _ttl(
            EU + "access-right",
            {EU + "access-right/" + c: de for c, de in ACCESS_RIGHTS.items()},
            "EU access-right authority table; all 7 codes.",
        ),
    )
    write(
        "distribution-status.ttl",
        _ttl(
            EU + "distribution-status",
            [EU + "distribution-status/" + c for c in DISTRIBUTION_STATUS],
            "EU distribution-status authority table; all 5 codes.",
        ),
    )
    write(
        "checksum-algorithm.ttl",
        "@prefix spdx: <http://spdx.org/rdf/terms#> .\n"
        + _ttl(
            "http://spdx.org/rdf/terms#ChecksumAlgorithm",
            ["http://spdx.org/rdf/terms#checksumAlgorithm_" + c for c in CHECKSUM_ALGORITHMS],
            "SPDX 2.3 checksum algorithms (spdx:ChecksumAlgorithm individuals); all 17.",
            extra_type="http://spdx.org/rdf/terms#ChecksumAlgorithm",
        ),
    )

    # The plugin's tables: formats by code, German labels of the values it shows.
    formats = {
        str(t["code"]): {"media_type": t["media_type"], "extensions": t["extensions"]}
        for t in types
        if not t["deprecated"]
    }
    (PLUGIN_DIR / "file_types.json").write_text(
        json.dumps(formats, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    themes = {iri: de for iri, _, de in concepts(args.staticat / "data-theme.rdf")}
    labels = {
        "frequency": {EU + "frequency/" + c: de for c, de in FREQUENCIES.items()},
        "theme": themes,
        "publisher_type": {
            "http://purl.org/adms/publishertype/" + c: de for c, de in PUBLISHER_TYPES.items()
        },
        "geocoding_level": {
            "http://dcat-ap.de/def/politicalGeocoding/Level/" + c: de
            for c, de in GEOCODING_LEVELS.items()
        },
        "access_rights": {EU + "access-right/" + c: de for c, de in ACCESS_RIGHTS.items()},
    }
    (PLUGIN_DIR / "labels.json").write_text(
        json.dumps(labels, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )

    # The portal's licence list (CKAN's licenses_group_url format).
    licenses = []
    for iri, ident, title in concepts(args.staticat / "license.rdf"):
        licenses.append(
            {
                "id": LICENSE_IDS.get(ident, ident.replace("/", "-")),
                "title": title.strip(),
                "url": iri,
                "od_conformance": "approved" if ident in OPEN_LICENSES else "not reviewed",
                "osd_conformance": "not reviewed",
                "status": "active",
            }
        )
    LICENSES_FILE.parent.mkdir(parents=True, exist_ok=True)
    LICENSES_FILE.write_text(
        json.dumps(licenses, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
