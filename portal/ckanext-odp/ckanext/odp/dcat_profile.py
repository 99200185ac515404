"""DCAT-AP.de 3.0 additions to ckanext-dcat's export (run after ``euro_dcat_ap_3``).

Reads the keys the publisher writes (ckanext-dcat's standard keys plus the
dcatde keys of GovData's ckanext-dcatde) and adds what DCAT-AP.de 3.0 asks
for beyond stock DCAT-AP 3: the current ``dcatde:`` properties (contributor
ID, political geocoding level, licence attribution text), ``dct:spatial``
from the political geocoding IRIs, a reachable contact point, and on every
distribution, whatever its role: a licence (the dataset's when the resource
names none), ``dct:format`` and ``dcat:mediaType`` as IRIs chosen by the
resource's format, ``dcat:downloadURL`` for uploads and a checksum algorithm.
"""

from __future__ import annotations

import json
import re
from typing import Any

import ckantoolkit as toolkit
from ckanext.dcat.profiles import DCAT, DCT, FOAF, RDF, RDFS, SPDX, VCARD, RDFProfile
from ckanext.dcat.profiles.base import CleanedURIRef
from ckanext.dcat.utils import resource_uri
from rdflib import BNode, Literal, Namespace, URIRef

from . import formats

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
EU = "http://publications.europa.eu/resource/authority/"
PUBLIC = URIRef(EU + "access-right/PUBLIC")
THEMES = URIRef(EU + "data-theme")
UNKNOWN_IPR = URIRef("http://purl.org/adms/licencetype/UnknownIPR")
#: CKAN locale -> EU language authority code (the catalog's dct:language).
LANGUAGES = {"de": "DEU", "en": "ENG", "fr": "FRA", "nl": "NLD", "it": "ITA", "es": "SPA"}
#: Checksum length in hex digits -> SPDX algorithm, for hashes stored without one.
ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def as_list(value: Any) -> list[str]:
    """A list from a JSON list string, a comma-separated string or a list."""
    if not value:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    try:
        parsed = json.loads(value)
    except ValueError:
        return [v.strip() for v in str(value).split(",") if v.strip()]
    return [str(v) for v in parsed if v] if isinstance(parsed, list) else [str(parsed)]


def _is_iri(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


class DcatApDeProfile(RDFProfile):
    """Turn euro_dcat_ap_3's graph into DCAT-AP.de 3.0."""

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        self.g.bind("dcatde", DCATDE)
        self._german_properties(dataset_dict, dataset_ref)
        self._spatial(dataset_dict, dataset_ref)
        self._contact_point(dataset_dict, dataset_ref)
        g, get = self.g, (lambda key: self._get_dataset_value(dataset_dict, key))
        for uri in as_list(get("references")):
            if _is_iri(uri):
                g.add((dataset_ref, DCT.references, URIRef(uri)))
        if not any(g.objects(dataset_ref, DCT.accessRights)) and not dataset_dict.get("private"):
            g.add((dataset_ref, DCT.accessRights, PUBLIC))
        for publisher in g.objects(dataset_ref, DCT.publisher):
            g.add((publisher, RDF.type, FOAF.Agent))
        licence = self._dataset_licence(dataset_dict)
        attribution = get("licenseAttributionByText")
        for resource in dataset_dict.get("resources", []):
            self._distribution(resource, licence, attribution)

    def _german_properties(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        """The dcatde properties DCAT-AP.de 3.0 lists as current (none deprecated)."""
        g, get = self.g, (lambda key: self._get_dataset_value(dataset_dict, key))
        for uri in as_list(get("contributorID")):
            g.add((dataset_ref, DCATDE.contributorID, URIRef(uri)))
        level = get("politicalGeocodingLevelURI")
        if _is_iri(level):
            g.add((dataset_ref, DCATDE.politicalGeocodingLevelURI, URIRef(level)))
        # Deprecated in 3.0: the geocoding IRIs go to dct:spatial instead.
        g.remove((dataset_ref, DCATDE.politicalGeocodingURI, None))

    def _spatial(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        """dct:spatial with each political geocoding IRI (DCAT-AP.de convention 11)."""
        get = lambda key: self._get_dataset_value(dataset_dict, key)  # noqa: E731
        uris = as_list(get("politicalGeocodingURI")) + as_list(get("spatial_uri"))
        for uri in dict.fromkeys(u for u in uris if _is_iri(u)):
            self.g.add((dataset_ref, DCT.spatial, URIRef(uri)))
            self.g.add((URIRef(uri), RDF.type, DCT.Location))

    def _contact_point(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        """Type the contact as vcard:Kind and add its web address (vcard:hasURL)."""
        url = self._get_dataset_value(dataset_dict, "contact_url")
        for contact in self.g.objects(dataset_ref, DCAT.contactPoint):
            self.g.add((contact, RDF.type, VCARD.Kind))
            if _is_iri(url):
                self.g.add((contact, VCARD.hasURL, URIRef(url)))

    def _dataset_licence(self, dataset_dict: dict[str, Any]) -> str | None:
        """The dataset's licence IRI: the portal licence's URL when it is an IRI."""
        url = dataset_dict.get("license_url")
        return url if _is_iri(url) else None

    def _distribution(
        self, resource: dict[str, Any], licence: str | None, attribution: str | None
    ) -> None:
        g = self.g
        dist = CleanedURIRef(resource_uri(resource))
        own = resource.get("license")
        chosen = own if _is_iri(own) else licence
        for old in list(g.objects(dist, DCT.license)):
            g.remove((old, DCT.type, UNKNOWN_IPR))
            g.remove((dist, DCT.license, old))
        if chosen:
            g.add((dist, DCT.license, URIRef(chosen)))
            g.add((URIRef(chosen), RDF.type, DCT.LicenseDocument))
        text = resource.get("licenseAttributionByText") or attribution
        if text:
            g.add((dist, DCATDE.licenseAttributionByText, Literal(text)))
        self._format(dist, resource)
        if resource.get("url_type") == "upload" and _is_iri(resource.get("url")):
            g.set((dist, DCAT.downloadURL, URIRef(resource["url"])))
        for url in [*g.objects(dist, DCAT.accessURL), *g.objects(dist, DCAT.downloadURL)]:
            g.add((url, RDF.type, RDFS.Resource))
        self._checksum_algorithm(dist)

    def _format(self, dist: Any, resource: dict[str, Any]) -> None:
        """dct:format and dcat:mediaType as IRIs, from whatever the resource says."""
        g = self.g
        code, media_type = formats.classify(
            resource.get("format"), resource.get("mimetype"), resource.get("url")
        )
        g.remove((dist, DCT["format"], None))
        g.remove((dist, DCAT.mediaType, None))
        if code:
            iri = URIRef(formats.FILE_TYPE + code)
            g.add((dist, DCT["format"], iri))
            g.add((iri, RDF.type, DCT.MediaTypeOrExtent))
        if media_type:
            iri = URIRef(formats.IANA + media_type)
            g.add((dist, DCAT.mediaType, iri))
            g.add((iri, RDF.type, DCT.MediaType))

    def _checksum_algorithm(self, dist: Any) -> None:
        """Name the algorithm of checksums stored without one; drop those it cannot tell."""
        g = self.g
        for checksum in list(g.objects(dist, SPDX.checksum)):
            if any(g.objects(checksum, SPDX.algorithm)):
                continue
            value = str(g.value(checksum, SPDX.checksumValue) or "")
            name = ALGORITHMS.get(len(value)) if _HEX.match(value) else None
            if name is None:
                g.remove((dist, SPDX.checksum, checksum))
                g.remove((checksum, None, None))
                continue
            algorithm = SPDX["checksumAlgorithm_" + name]
            g.add((checksum, SPDX.algorithm, algorithm))
            g.add((algorithm, RDF.type, SPDX.ChecksumAlgorithm))

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: Any) -> None:
        g, config = self.g, toolkit.config
        g.bind("dcatde", DCATDE)
        code = LANGUAGES.get(str(config.get("ckan.locale_default") or "en")[:2])
        for old in list(g.objects(catalog_ref, DCT.language)):
            g.remove((catalog_ref, DCT.language, old))
        if code:
            g.add((catalog_ref, DCT.language, URIRef(EU + "language/" + code)))
        title = config.get("ckan.site_title") or "CKAN"
        if not any(g.objects(catalog_ref, DCT.description)):
            g.add((catalog_ref, DCT.description, Literal(f"Offene Daten: {title}")))
        if not any(g.objects(catalog_ref, DCT.publisher)):
            self._catalog_publisher(catalog_ref, title)
        g.add((catalog_ref, DCAT.themeTaxonomy, THEMES))
        for homepage in g.objects(catalog_ref, FOAF.homepage):
            g.add((homepage, RDF.type, FOAF.Document))

    def _catalog_publisher(self, catalog_ref: Any, title: str) -> None:
        """The portal's operator (``ckanext.odp.catalog_publisher_*``, else the site)."""
        g, config = self.g, toolkit.config
        uri = config.get("ckanext.odp.catalog_publisher_uri")
        agent = URIRef(uri) if _is_iri(uri) else BNode()
        g.add((catalog_ref, DCT.publisher, agent))
        g.add((agent, RDF.type, FOAF.Agent))
        name = config.get("ckanext.odp.catalog_publisher_name") or title
        g.add((agent, FOAF.name, Literal(name)))
        kind = config.get("ckanext.odp.catalog_publisher_type")
        if _is_iri(kind):
            g.add((agent, DCT.type, URIRef(kind)))
        homepage = config.get("ckan.site_url")
        if _is_iri(homepage):
            g.add((agent, FOAF.homepage, URIRef(homepage)))
