"""Rebuild tests/data/frictionless/ from the frictionless 5.21.0 sdist's data/ folder.

Usage: python tests/data/frictionless/build.py <unpacked sdist>/data
"""

import copy
import json
import shutil
import sys
import warnings
from pathlib import Path

import frictionless
import yaml

warnings.simplefilter("ignore")
SRC = Path(sys.argv[1])
D = SRC
OUT = Path(__file__).resolve().parent
shutil.rmtree(OUT / "tables", ignore_errors=True)
(OUT / "tables").mkdir(parents=True)
SKIP_NAMES = {
    "[table].csv",
    "compression/implicit-gz.csv",
    "compression/implicit-zip.csv",
    "table-infer-increase-limit.csv",
    "long.csv",
}
# descriptor files that are tables are kept; pure descriptors are not tables
TABLE_JSON = {
    "table.json",
    "table.keyed.json",
    "issue-1293/sample.json",
    "table-output.json",
    "transform.json",
    "issue-833.json",
}


def infer(p):
    with frictionless.system.use_context(trusted=True):
        from frictionless.resources import TableResource

        r = TableResource(path=str(p))
        r.infer()
        return r.schema.to_descriptor()


cases = []


def flat(rel):
    return rel.replace("/", "__")


def add_table(rel):
    dst = OUT / "tables" / flat(rel)
    if not dst.exists():
        shutil.copyfile(SRC / rel, dst)
    return "tables/" + flat(rel)


tables = sorted(
    str(p.relative_to(SRC))
    for p in SRC.rglob("*")
    if p.is_file() and p.suffix in (".csv", ".tsv", ".xlsx") and p.stat().st_size < 12000
)
tables += sorted(TABLE_JSON)
for rel in tables:
    if rel in SKIP_NAMES:
        continue
    try:
        schema = infer(SRC / rel)
    except Exception as e:
        print("no schema inferred", rel, e)
        continue
    if not schema.get("fields"):
        print("no fields", rel)
        continue
    t = add_table(rel)
    cases.append({"table": t, "schema": schema, "how": "inferred by frictionless"})
    strict = copy.deepcopy(schema)
    for f in strict["fields"]:
        f.setdefault("constraints", {})["required"] = True
    strict["fields"][0]["constraints"]["unique"] = True
    if len(strict["fields"]) > 1:
        strict["primaryKey"] = [strict["fields"][1]["name"]]
    cases.append(
        {
            "table": t,
            "schema": strict,
            "how": "inferred, every field required, first unique, second the primary key",
        }
    )
    as_text = {
        "fields": [
            {
                "name": f["name"],
                "type": "string",
                "constraints": {"pattern": "[^0-9]*", "maxLength": 8},
            }
            for f in schema["fields"]
        ]
    }
    cases.append(
        {
            "table": t,
            "schema": as_text,
            "how": "every field a string without digits, at most 8 characters",
        }
    )


def descriptor_pairs():
    """(descriptor, table, schema, resource options) from the sdist's descriptors."""
    pairs = []

    def load(p):
        try:
            return (
                json.loads(p.read_text()) if p.suffix == ".json" else yaml.safe_load(p.read_text())
            )
        except Exception:
            return None

    def resolve_schema(s, base):
        if isinstance(s, str):
            q = base / s
            if q.exists():
                return load(q)
            return None
        return s

    for p in sorted(D.rglob("*")):
        if p.suffix not in (".json", ".yaml", ".yml") or not p.is_file():
            continue
        d = load(p)
        if not isinstance(d, dict):
            continue
        res = d.get("resources") if isinstance(d.get("resources"), list) else [d]
        for r in res:
            if not isinstance(r, dict):
                continue
            path, schema = r.get("path"), r.get("schema")
            if not isinstance(path, str) or schema is None:
                continue
            s = resolve_schema(schema, p.parent)
            t = p.parent / path
            if (
                isinstance(s, dict)
                and t.exists()
                and t.suffix in (".csv", ".tsv", ".xlsx", ".json")
                and t.stat().st_size < 20000
            ):
                pairs.append(
                    (
                        str(p.relative_to(D)),
                        str(t.relative_to(D)),
                        s,
                        {k: r[k] for k in ("dialect", "format", "encoding") if k in r},
                    )
                )
    return pairs


pairs = descriptor_pairs()
pairs += [
    ("schema.json", "table.csv", json.loads((SRC / "schema.json").read_text()), {}),
    (
        "unique-field.json",
        "unique-field.csv",
        json.loads((SRC / "unique-field.json").read_text()),
        {},
    ),
    (
        "duplicate-column-schema.json",
        "duplicate-column.csv",
        json.loads((SRC / "duplicate-column-schema.json").read_text()),
        {},
    ),
    ("schema.json", "table.xlsx", json.loads((SRC / "schema.json").read_text()), {}),
    ("schema.json", "table.json", json.loads((SRC / "schema.json").read_text()), {}),
    ("schema.json", "table.keyed.json", json.loads((SRC / "schema.json").read_text()), {}),
    ("schema.json", "table.tsv", json.loads((SRC / "schema.json").read_text()), {}),
]
seen = set()
for desc, rel, schema, extra in pairs:
    if "dialect" in extra or rel in SKIP_NAMES or extra.get("encoding") not in (None, "utf-8"):
        continue
    key = (rel, json.dumps(schema, sort_keys=True))
    if key in seen:
        continue
    seen.add(key)
    fks = schema.get("foreignKeys") or []
    own = [fk for fk in fks if not fk.get("reference", {}).get("resource")]
    how = f"schema of {desc}"
    if len(own) != len(fks):
        schema = dict(schema)
        schema.pop("foreignKeys")
        if own:
            schema["foreignKeys"] = own
        how += ", without its foreign keys to other resources"
    t = add_table(rel)
    cases.append({"table": t, "schema": schema, "how": how})
(OUT / "cases.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
print(
    len(cases),
    "cases",
    len(list((OUT / "tables").iterdir())),
    "tables",
    sum(p.stat().st_size for p in (OUT / "tables").iterdir()),
    "bytes",
)
