"""Harvest DCAT with ckanext-dcat's own parser; run by the CKAN venv's Python, not imported.

Reads Turtle on stdin and prints, as JSON, the CKAN dataset dicts that ckanext-dcat's
``euro_dcat_ap_3`` parser (what a harvesting portal with ckanext-dcat runs) makes of it.
"""

import json
import sys

from ckanext.dcat.processors import RDFParser

parser = RDFParser(profiles=["euro_dcat_ap_3"])
parser.parse(sys.stdin.read(), _format="turtle")
json.dump(list(parser.datasets()), sys.stdout, ensure_ascii=False, default=str)
