"""This project's SHACL check of DCAT-AP.de output: shapes, vocabulary snapshots, results."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

DATA = Path(__file__).parent / "data" / "dcat"
SHAPES = DATA / "shapes" / "dcat-ap-de.ttl"
ODP = Namespace("https://opendata-pipeline.example/shapes#")
SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Finding:
    """One SHACL result: which of our shapes, on which node, with what message."""

    shape: str
    focus: str
    severity: str
    message: str


@functools.lru_cache(maxsize=1)
def shapes() -> Graph:
    return Graph().parse(SHAPES)


@functools.lru_cache(maxsize=1)
def vocabularies() -> Graph:
    """The vocabulary snapshots (tests/data/dcat/vocabularies), as one graph."""
    graph = Graph()
    for path in sorted((DATA / "vocabularies").glob("*.ttl")):
        graph.parse(path)
    return graph


def named_property_shapes() -> set[str]:
    """The shapes of our file that have a name and a path (each has a failing case)."""
    g = shapes()
    return {
        str(s).removeprefix(str(ODP))
        for s in g.subjects(SH.path, None)
        if str(s).startswith(str(ODP))
    }


def findings(document: Graph) -> list[Finding]:
    """Validate one exported document against our shapes, with the vocabularies added."""
    _, results, _ = validate(
        document + vocabularies(), shacl_graph=shapes(), inference="none", allow_warnings=True
    )
    out = []
    for report in results.subjects(RDF.type, SH.ValidationReport):
        for result in results.objects(report, SH.result):
            source = str(results.value(result, SH.sourceShape))
            out.append(
                Finding(
                    source.removeprefix(str(ODP)),
                    str(results.value(result, SH.focusNode)),
                    str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                    str(results.value(result, SH.resultMessage)),
                )
            )
    return sorted(out, key=lambda f: (f.shape, f.focus))
