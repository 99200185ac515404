"""Write the bad-input corpus (run from this folder; the files are committed)."""

import codecs
import json
from pathlib import Path

HERE = Path(__file__).parent
HEADER = "id,name,datum,betrag,kategorie,kennung,aktiv"
GOOD = [
    "1,Aachen,2020-11-09,12.5,Daten,AC-0001,true",
    "2,Wuppertal,2020-11-16,0,Lernen,WU-0002,false",
    "3,Gelsenkirchen,2020-11-23,1000,Portale,GE-0003,1",
]
SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "name", "type": "string", "constraints": {"required": True, "maxLength": 200}},
        {"name": "datum", "type": "date"},
        {"name": "betrag", "type": "number", "constraints": {"minimum": 0, "maximum": 1000}},
        {
            "name": "kategorie",
            "type": "string",
            "constraints": {"enum": ["Daten", "Lernen", "Portale", "Region", "Rathaus"]},
        },
        {
            "name": "kennung",
            "type": "string",
            "constraints": {"pattern": "[A-Z]{2}-[0-9]{4}", "unique": True, "minLength": 7},
        },
        {"name": "aktiv", "type": "boolean"},
    ],
    "primaryKey": ["id"],
    "missingValues": [""],
}


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


FILES: dict[str, bytes] = {
    "valid.csv": csv(*GOOD),
    "type-errors.csv": csv(
        *GOOD,
        "4,Soest,2020-11-30,zwölf,Region,SO-0004,vielleicht",
        "x5,Paderborn,2020-13-01,1.5,Region,PB-0005,true",
    ),
    "german-dates.csv": csv(
        *GOOD,
        "4,Soest,30.11.2020,1,Region,SO-0004,true",
        "5,Paderborn,07.12.2020,1,Rathaus,PB-0005,true",
    ),
    "required-missing.csv": csv(*GOOD, "4,,2020-11-30,1,Region,SO-0004,true"),
    "unique-duplicates.csv": csv(
        *GOOD,
        "4,Soest,2020-11-30,1,Region,AC-0001,true",
        "5,Paderborn,2020-12-07,1,Rathaus,AC-0001,true",
    ),
    "enum-violation.csv": csv(*GOOD, "4,Soest,2020-11-30,1,Verkehr,SO-0004,true"),
    "pattern-violation.csv": csv(*GOOD, "4,Soest,2020-11-30,1,Region,so-4,true"),
    "minimum-maximum.csv": csv(
        *GOOD,
        "4,Soest,2020-11-30,-0.5,Region,SO-0004,true",
        "5,Paderborn,2020-12-07,1000.01,Rathaus,PB-0005,true",
    ),
    "length-constraints.csv": csv(*GOOD, "4,Soest,2020-11-30,1,Region,SO-04,true"),
    "primary-key-duplicates.csv": csv(
        *GOOD,
        "2,Soest,2020-11-30,1,Region,SO-0004,true",
        "2,Paderborn,2020-12-07,1,Rathaus,PB-0005,true",
    ),
    "primary-key-empty.csv": csv(*GOOD, ",Soest,2020-11-30,1,Region,SO-0004,true"),
    "foreign-key-dangling.csv": (b"id,region_id\n1,aachen\n2,soest\n3,muenster\n4,\n"),
    "header-missing-column.csv": csv(
        "1,Aachen,2020-11-09,12.5,Daten,AC-0001", header="id,name,datum,betrag,kategorie,kennung"
    ),
    "header-extra-column.csv": csv(
        "1,Aachen,2020-11-09,12.5,Daten,AC-0001,true,x", header=HEADER + ",bemerkung"
    ),
    "header-duplicate.csv": csv(
        "1,Aachen,2020-11-09,12.5,Daten,AC-0001,true",
        header="id,name,datum,betrag,kategorie,name,aktiv",
    ),
    "header-blank.csv": csv(
        "1,Aachen,2020-11-09,12.5,Daten,AC-0001,true",
        header="id,name,,betrag,kategorie,kennung,aktiv",
    ),
    "header-wrong-names.csv": csv(*GOOD, header="ID,Name,Datum,betrag,kategorie,kennung,aktiv"),
    "blank-rows.csv": csv(GOOD[0], ",,,,,,", "", GOOD[1]),
    "ragged-rows.csv": csv(GOOD[0], "2,Wuppertal,2020-11-16,0,Lernen", GOOD[2] + ",extra,more"),
    "latin1.csv": csv(
        "1,Düsseldorf,2020-11-09,1,Daten,DU-0001,true", "2,Köln,2020-11-16,2,Lernen,KO-0002,false"
    )
    .decode()
    .encode("latin-1"),
    "utf16.csv": codecs.BOM_UTF16_LE
    + csv(*GOOD[:2], "4,Münster,x,1,Daten,MS-0004,true").decode().encode("utf-16-le"),
    "bom-utf8.csv": codecs.BOM_UTF8 + csv(*GOOD),
    "semicolon.csv": csv(
        *[r.replace(",", ";") for r in GOOD],
        "4;Soest;2020-11-30;abc;Region;SO-0004;true",
        header=HEADER.replace(",", ";"),
    ),
    "empty.csv": b"",
    "header-only.csv": (HEADER + "\n").encode(),
    "nul-bytes.csv": csv(*GOOD[:2], "3,Gelsen\x00kirchen,2020-11-23,1,Portale,GE-0003,true"),
    "very-long-cell.csv": csv(*GOOD, "4," + "Soest" * 20000 + ",2020-11-30,1,Region,SO-0004,true"),
    "html-page.csv": b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n"
    b"<body><h1>Wartungsarbeiten</h1><p>Bitte versuchen Sie es sp\xc3\xa4ter.</p>"
    b"</body></html>\n",
    "whitespace-numbers.csv": csv(
        " 1 ,Aachen,2020-11-09, 12.5 ,Daten,AC-0001,true",
        "2,Wuppertal,2020-11-16,1e2,Lernen,WU-0002,false",
        "3,Gelsenkirchen, 2020-11-23,+7,Portale,GE-0003,TRUE",
    ),
    "quoted-multiline.csv": csv(
        '1,"Aachen, Stadt",2020-11-09,1,Daten,AC-0001,true',
        '2,"Wupper-\ntal",2020-11-16,1,Lernen,WU-0002,false',
        '3,"Gelsen ""GE""",2020-11-23,x,Portale,GE-0003,true',
    ),
    "boolean-values.csv": csv(
        "1,Aachen,2020-11-09,1,Daten,AC-0001,ja",
        "2,Wuppertal,2020-11-16,1,Lernen,WU-0002,0",
        "3,Gelsenkirchen,2020-11-23,1,Portale,GE-0003,yes",
    ),
    "invalid-utf8.csv": csv(*GOOD)
    + "4,Soest,2020-11-30,1,Region,SO-0004,true\n".encode("cp1252")
    + "5,Bergisch Gladbach – Mitte,2020-12-07,1,Rathaus,BG-0005,true\n".encode("cp1252"),
}

REGIONS_SCHEMA = {"fields": [{"name": "region_id", "type": "string"}], "primaryKey": ["region_id"]}
FK_SCHEMA = {
    "fields": [{"name": "id", "type": "integer"}, {"name": "region_id", "type": "string"}],
    "primaryKey": ["id"],
    "foreignKeys": [
        {"fields": "region_id", "reference": {"resource": "regionen", "fields": "region_id"}}
    ],
}

if __name__ == "__main__":
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
    (HERE / "regionen.csv").write_text("region_id\naachen\nsoest\nemscher-lippe\n")
    schemas = HERE / "schemas"
    schemas.mkdir(exist_ok=True)
    for name, schema in (("basis", SCHEMA), ("regionen", REGIONS_SCHEMA), ("verweise", FK_SCHEMA)):
        (schemas / f"{name}.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
