"""DCAT-AP.de additions to ckanext-dcat's export (run after ``euro_dcat_ap_2``).

Reads the extras the pipeline writes (the keys GovData's ckanext-dcatde
uses) and adds the dcatde properties: contributor IDs, political geocoding
(URIs and level), and the licence attribution text on distributions.
"""

from __future__ import annotations

import json
from typing import Any

from ckanext.dcat.profiles import DCT, RDFProfile
from ckanext.dcat.utils import resource_uri
from rdflib import Literal, Namespace, URIRef

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        parsed = json.loads(value)
    except ValueError:
        return [v.strip() for v in str(value).split(",") if v.strip()]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


class DcatApDeProfile(RDFProfile):
    """Add dcatde:* properties from the dataset's extras."""

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        g = self.g
        g.bind("dcatde", DCATDE)
        get = lambda key: self._get_dataset_value(dataset_dict, key)  # noqa: E731
        for uri in _as_list(get("contributorID")):
            g.add((dataset_ref, DCATDE.contributorID, URIRef(uri)))
        for uri in _as_list(get("politicalGeocodingURI")):
            g.add((dataset_ref, DCATDE.politicalGeocodingURI, URIRef(uri)))
        level = get("politicalGeocodingLevelURI")
        if level:
            g.add((dataset_ref, DCATDE.politicalGeocodingLevelURI, URIRef(level)))
        for resource in dataset_dict.get("resources", []):
            text = resource.get("licenseAttributionByText")
            if text:
                distribution = URIRef(resource_uri(resource))
                g.add((distribution, DCATDE.licenseAttributionByText, Literal(text)))
                if resource.get("license"):
                    g.set((distribution, DCT.license, URIRef(resource["license"])))
