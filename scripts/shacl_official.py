"""Validate a portal's DCAT output with the official SHACL shapes (a local copy you keep).

The shapes are not part of this repository (GovData's are AGPL-3.0, and neither
set may be committed here). Keep a copy outside the checkout, laid out as:

    SHAPES/semic-3.0.0/   from SEMICeu/DCAT-AP, releases/3.0.0/:
                          shacl_dcat-ap-SHACL.ttl (shacl/dcat-ap-SHACL.ttl),
                          html_shacl_mdr-vocabularies.shape.ttl (html/shacl/...)
    SHAPES/govdata-3.0/   from GovDataOfficial/DCAT-AP.de-SHACL-Validation,
                          validator/resources/v3.0/shapes/*.ttl

Then, against a running portal (the vocabulary snapshots of tests/data/dcat
stand in for the EU vocabularies the shapes import):

    .venv/bin/python scripts/shacl_official.py --shapes SHAPES --portal http://127.0.0.1:5050

It prints the violations (and warnings) per shape set, per source shape and
per message. Exit code 1 when any set reports a violation.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import requests
from pyshacl import validate
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

SH = Namespace("http://www.w3.org/ns/shacl#")
VOCABULARIES = Path(__file__).resolve().parents[1] / "tests" / "data" / "dcat" / "vocabularies"


def shape_sets(shapes: Path) -> dict[str, list[Path]]:
    """Name -> files of each official shape set, as their publishers combine them."""
    semic, govdata = shapes / "semic-3.0.0", shapes / "govdata-3.0"
    return {
        "SEMIC DCAT-AP 3.0.0 (dcat-ap-SHACL.ttl)": [semic / "shacl_dcat-ap-SHACL.ttl"],
        "SEMIC DCAT-AP 3.0.0 controlled vocabularies (mdr-vocabularies.shape.ttl)": [
            semic / "html_shacl_mdr-vocabularies.shape.ttl"
        ],
        "GovData DCAT-AP.de 3.0 (SEMIC shapes + DE overlay, additions, vocabularies, deprecated)": [
            semic / "shacl_dcat-ap-SHACL.ttl",
            govdata / "dcat-ap-SHACL-DE.ttl",
            govdata / "dcat-ap-spec-german-additions.ttl",
            govdata / "dcat-ap-de-controlledvocabularies.ttl",
            govdata / "dcat-ap-de-deprecated.ttl",
        ],
    }


def portal_documents(portal: str) -> dict[str, Graph]:
    """The portal's catalog and every dataset's DCAT export, one graph per document.

    Each document is validated on its own: merging them would duplicate the blank
    nodes (publisher, checksums) that both the catalog and a dataset export contain.
    """
    base = portal.rstrip("/")
    urls = [f"{base}/catalog.ttl"]
    names = requests.get(f"{base}/api/3/action/package_list", timeout=60).json()["result"]
    urls += [f"{base}/dataset/{name}.ttl" for name in names]
    documents = {}
    for url in urls:
        resp = requests.get(url, timeout=60)
        resp.raise_for_status()
        documents[url] = Graph().parse(data=resp.text, format="turtle")
    print(f"{base}: catalog and {len(names)} dataset exports")
    return documents


def vocabularies() -> Graph:
    graph = Graph()
    for path in sorted(VOCABULARIES.glob("*.ttl")):
        graph.parse(path)
    return graph


def report(name: str, files: list[Path], documents: dict[str, Graph], vocab: Graph) -> int:
    """Print the results of one shape set over all documents; return its violations."""
    shapes = Graph()
    for path in files:
        shapes.parse(path)
    by_severity: collections.Counter[str] = collections.Counter()
    by_message: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for document in documents.values():
        # The snapshots stand in for the vocabularies the shapes import (owl:imports).
        _, results, _ = validate(
            document + vocab, shacl_graph=shapes, inference="none", allow_warnings=True
        )
        for report_node in results.subjects(RDF.type, SH.ValidationReport):
            for result in results.objects(report_node, SH.result):
                severity = str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
                path = str(results.value(result, SH.resultPath) or "")
                message = str(results.value(result, SH.resultMessage) or "")[:100]
                by_severity[severity] += 1
                by_message[(severity, path.rsplit("/", 1)[-1], message)] += 1
    print(f"\n## {name}\n{dict(by_severity) or 'no results'}")
    for (severity, path, message), count in by_message.most_common():
        print(f"  {count:4d}  {severity:9s} {path}: {message}")
    return by_severity["Violation"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", type=Path, required=True)
    parser.add_argument("--portal", required=True)
    args = parser.parse_args()
    documents, vocab = portal_documents(args.portal), vocabularies()
    violations = {
        name: report(name, files, documents, vocab)
        for name, files in shape_sets(args.shapes).items()
    }
    print("\nviolations per shape set:")
    for name, count in violations.items():
        print(f"  {count:5d}  {name}")
    return 1 if any(violations.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
