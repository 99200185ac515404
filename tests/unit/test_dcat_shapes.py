"""Our DCAT-AP.de shapes hold on a good export and each one fails on a graph that breaks it."""

from __future__ import annotations

import pytest
from rdflib import Graph

from tests.dcat import DATA, findings, named_property_shapes

VALID = DATA / "fixtures" / "valid.ttl"
PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcatde: <http://dcat-ap.de/def/dcatde/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX ex: <http://portal.example/>
PREFIX eu: <http://publications.europa.eu/resource/authority/>
"""


def _drop(subject: str, predicate: str) -> str:
    return f"DELETE WHERE {{ {subject} {predicate} ?o }}"


def _swap(subject: str, predicate: str, value: str) -> str:
    return (
        f"DELETE {{ {subject} {predicate} ?o }} INSERT {{ {subject} {predicate} {value} }} "
        f"WHERE {{ {subject} {predicate} ?o }}"
    )


def _add(triples: str) -> str:
    return f"INSERT DATA {{ {triples} }}"


#: shape -> an update of the valid export that breaks that shape (and only it).
BREAKS = {
    "CatalogTitle": _drop("ex:catalog", "dct:title"),
    "CatalogDescription": _drop("ex:catalog", "dct:description"),
    "CatalogPublisher": _drop("ex:catalog", "dct:publisher"),
    "CatalogLanguage": _swap("ex:catalog", "dct:language", '"de"'),
    "CatalogThemeTaxonomy": _drop("ex:catalog", "dcat:themeTaxonomy"),
    "DatasetTitle": _drop("ex:dataset", "dct:title"),
    "DatasetDescription": _drop("ex:dataset", "dct:description"),
    "DatasetPublisher": _add("ex:dataset dct:publisher ex:operator ."),
    "DatasetContactPoint": _drop("ex:dataset", "dcat:contactPoint"),
    "DatasetTheme": _add("ex:dataset dcat:theme eu:data-theme\\/DIGITALE-DATEN ."),
    "DatasetFrequency": _swap("ex:dataset", "dct:accrualPeriodicity", "eu:frequency\\/SOMETIMES"),
    "DatasetAccessRights": _drop("ex:dataset", "dct:accessRights"),
    "DatasetSpatial": _swap("ex:dataset", "dct:spatial", '"Nordrhein-Westfalen"'),
    "DatasetGeocodingLevel": _swap(
        "ex:dataset",
        "dcatde:politicalGeocodingLevelURI",
        "<http://dcat-ap.de/def/politicalGeocoding/Level/city>",
    ),
    "DatasetContributorID": _swap("ex:dataset", "dcatde:contributorID", '"openNRW"'),
    "DatasetVersion": _add('ex:dataset dcat:version "1.0.1" .'),
    "DatasetLanguage": _swap("ex:dataset", "dct:language", '"de"'),
    "DatasetDistribution": "DELETE WHERE { ex:dataset dcat:distribution ?d . ?d ?p ?o }",
    "DatasetReferences": _swap("ex:dataset", "dct:references", '"kultur/veranstaltung"'),
    "DeprecatedVersionInfo": _add('ex:dataset owl:versionInfo "1.0.0" .'),
    "DeprecatedGeocodingURI": _add(
        "ex:dataset dcatde:politicalGeocodingURI "
        "<http://dcat-ap.de/def/politicalGeocoding/stateKey/05> ."
    ),
    "DeprecatedGeocodingDescription": _add('ex:dataset dcatde:geocodingDescription "NRW" .'),
    "DeprecatedLegalBasis": _add('ex:dataset dcatde:legalBasis "IFG NRW" .'),
    "DeprecatedQualityProcess": _add(
        "ex:dataset dcatde:qualityProcessURI <http://portal.example/qs> ."
    ),
    "DeprecatedOriginator": _add("ex:dataset dcatde:originator ex:publisher ."),
    "DeprecatedMaintainer": _add("ex:dataset dcatde:maintainer ex:publisher ."),
    "AgentName": _drop("ex:publisher", "foaf:name"),
    "AgentType": _swap(
        "ex:publisher", "dct:type", "<http://purl.org/adms/publishertype/Municipality>"
    ),
    "ContactReachable": "DELETE WHERE { ex:contact vcard:hasURL ?u ; vcard:hasEmail ?e }",
    "ContactName": _add('ex:contact vcard:fn "Zweiter Name" .'),
    "ContactEmail": _swap("ex:contact", "vcard:hasEmail", '"opendata@example.org"'),
    "ContactURL": _swap("ex:contact", "vcard:hasURL", "<ftp://example.org/kontakt>"),
    "DistributionAccessURL": _drop("ex:xlsx", "dcat:accessURL"),
    "DistributionDownloadURL": _drop("ex:xlsx", "dcat:downloadURL"),
    "DistributionLicence": _swap(
        "ex:xlsx", "dct:license", "<https://creativecommons.org/licenses/by/4.0/>"
    ),
    "DistributionFormat": _swap("ex:csv", "dct:format", '"CSV"'),
    "DistributionMediaType": _swap(
        "ex:csv", "dcat:mediaType", "<https://www.iana.org/assignments/media-types/text/x-csv>"
    ),
    "DistributionByteSize": _swap("ex:csv", "dcat:byteSize", '"1673.0"^^xsd:decimal'),
    "DistributionChecksum": _swap("ex:sum", "spdx:algorithm", '"sha256"'),
    "DistributionAttribution": _swap(
        "ex:csv", "dcatde:licenseAttributionByText", "<http://portal.example/by>"
    ),
    "DistributionTitle": _drop("ex:xlsx", "dct:title"),
    "PeriodBounds": "DELETE WHERE { ex:period dcat:startDate ?s ; dcat:endDate ?e }",
    "PeriodStart": _swap("ex:period", "dcat:startDate", '"9.11.2020"'),
    "PeriodEnd": _swap("ex:period", "dcat:endDate", '"7.12.2020"'),
}


def _valid() -> Graph:
    return Graph().parse(VALID)


def test_the_valid_export_has_no_findings() -> None:
    assert findings(_valid()) == []


def test_every_shape_has_a_case_that_breaks_it() -> None:
    assert set(BREAKS) == named_property_shapes()


@pytest.mark.parametrize("shape", sorted(BREAKS))
def test_breaking_one_rule_is_reported_by_exactly_that_shape(shape: str) -> None:
    graph = _valid()
    graph.update(PREFIXES + BREAKS[shape])
    found = findings(graph)
    assert found, f"{shape}: nothing reported"
    assert {f.shape for f in found} == {shape}, found
    assert all(f.severity == "Violation" and f.message for f in found)


def test_a_checksum_algorithm_outside_spdx_is_reported() -> None:
    graph = _valid()
    graph.update(PREFIXES + _swap("ex:sum", "spdx:algorithm", "spdx:checksumAlgorithm_sha999"))
    assert [(f.shape, f.focus) for f in findings(graph)] == [
        ("DistributionChecksum", "http://portal.example/csv")
    ]


def test_a_format_outside_the_eu_table_is_reported_even_as_an_iri() -> None:
    graph = _valid()
    graph.update(PREFIXES + _swap("ex:csv", "dct:format", "eu:file-type\\/MARKDOWN_V2"))
    assert [(f.shape, f.focus) for f in findings(graph)] == [
        ("DistributionFormat", "http://portal.example/csv")
    ]
