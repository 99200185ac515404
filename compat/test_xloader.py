"""A stock portal running xloader: the publisher's typed table is the only DataStore load.

Many municipal portals run ckanext-xloader (or DataPusher), which loads every
uploaded CSV or spreadsheet into the DataStore by itself, all columns as text. The
publisher loads the table typed through CKAN's API and gives each file's md5 as the
resource's ``hash``, which xloader compares before loading: its jobs end with
"the file hash hasn't changed", and the typed table stays.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from compat.test_stock_portal import PATCHED, _publish, check_version
from opendata_pipeline.errors import PortalNotFound
from opendata_pipeline.publish.state import download
from tests.portal_fixture import Portal
from tests.publishing import ROWS

SKIPPED = "Ignoring resource - the file hash hasn't changed"


def _jobs(portal: Portal, pkg: dict[str, Any], seconds: float = 120) -> dict[str, list[str]]:
    """xloader's finished jobs per resource name (their log messages), once none runs."""
    deadline = time.monotonic() + seconds
    while True:
        jobs, busy = {}, False
        for res in pkg["resources"]:
            try:
                status = portal.admin.call("xloader_status", resource_id=res["id"])
            except PortalNotFound:
                continue  # xloader was never asked to load this resource
            busy |= status["status"] in ("pending", "submitting", "running")
            logs = (status.get("task_info") or {}).get("logs") or []
            jobs[res["name"]] = [entry["message"] for entry in logs]
        if not busy or time.monotonic() > deadline:
            return jobs
        time.sleep(2)


def test_xloader_never_loads_a_published_file_a_second_time(
    xloader_portal: Portal, tmp_path: Path
) -> None:
    portal, slug = xloader_portal, "compat-xloader"
    assert "xloader" in portal.anonymous().extensions()
    _publish(portal, tmp_path, slug, ROWS)
    second, _ = _publish(portal, tmp_path, slug, PATCHED)
    pkg = portal.admin.call("package_show", id=slug)
    jobs = _jobs(portal, pkg)
    # the new version's files made xloader start jobs (so this test can fail) ...
    assert jobs, "xloader started no job"
    for name, messages in jobs.items():
        # ... and each one found the file already loaded
        assert any(SKIPPED in m for m in messages), (name, messages[-3:])
    for res in pkg["resources"]:
        body = download(portal.admin, res["url"])
        assert res["hash"] == hashlib.md5(body, usedforsecurity=False).hexdigest(), res["name"]
        assert res["hash_algorithm"].endswith("checksumAlgorithm_md5")
        assert res["sha256"] == hashlib.sha256(body).hexdigest()
        if res["odp_role"] in ("xlsx", "csv_excel"):
            assert not res.get("datastore_active"), res["name"]
    data = next(r for r in pkg["resources"] if r["odp_role"] == "data")
    found = portal.anonymous().call("datastore_search", resource_id=data["id"], limit=0)
    types = {f["id"]: f["type"] for f in found["fields"]}
    assert types == {
        "_id": "int",
        "id": "int8",
        "ort": "text",
        "betrag": "numeric",
        "datum": "date",
        "aktiv": "bool",
    }
    check_version(portal, slug, second, ["1.0.1", "1.0.0"], PATCHED)
