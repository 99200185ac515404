"""The publishing cycle against a stock CKAN 2.12 portal (no ckanext-odp), in ``make test``.

The same checks as ``make compat`` runs against CKAN 2.11 and 2.10 (``compat/``):
here the portal is this project's CKAN 2.12 started stock, so every test run covers
the path a municipal portal takes, DataStore through CKAN's own API included. One
more check: a reader polling the current table while a new version loads never
finds it missing or empty.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from compat.test_stock_portal import PATCHED, _publish, check_version
from compat.test_stock_portal import (
    test_odp_publish_puts_the_demo_catalogue_on_a_stock_portal as _demo_catalogue,
)
from compat.test_stock_portal import (
    test_publish_cycle_new_patch_minor_major_noop_invalid as _cycle,
)
from opendata_pipeline.dev.kind import PortalKind
from opendata_pipeline.errors import PortalNotFound, PortalUnavailable
from opendata_pipeline.publish import datastore_api
from opendata_pipeline.publish.planning import plan_release
from tests.portal_fixture import Portal, start_portal
from tests.publishing import ROWS, counted, destination, publish, release_for


@pytest.fixture(scope="module")
def stock_portal() -> Iterator[Portal]:
    yield from start_portal("s", PortalKind("2.12", stock=True))


def test_publish_cycle_on_stock_2_12(stock_portal: Portal, tmp_path: Path) -> None:
    _cycle(stock_portal, tmp_path)


@pytest.mark.usefixtures("prefect_harness")
def test_demo_catalogue_on_stock_2_12(stock_portal: Portal, tmp_path: Path) -> None:
    _demo_catalogue(stock_portal, tmp_path)


def test_readers_never_see_an_empty_table_during_a_stock_load(
    stock_portal: Portal, tmp_path: Path
) -> None:
    portal, slug = stock_portal, "stock-reader"
    many = ROWS + "".join(f"{i},Soest,{i % 7},2020-12-01,true\n" for i in range(4, 12_000))
    first, _ = _publish(portal, tmp_path, slug, many)
    check_version(portal, slug, first, ["1.0.0"], many)
    data_id = first.plan.state.current.get("data", {}).get("id") or next(
        r["id"]
        for r in portal.admin.call("package_show", id=slug)["resources"]
        if r["odp_role"] == "data"
    )
    seen: list[int | None] = []
    stop = threading.Event()

    def read() -> None:
        reader = portal.anonymous()
        while not stop.is_set():
            try:
                found = reader.call("datastore_search", resource_id=data_id, limit=0)
                seen.append(found["total"])
            except PortalNotFound:
                seen.append(None)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        # a new version whose previous load is recorded: only the changed rows are written
        changed = many.replace("2,Soest,3,", "2,Soest,4,").replace(",5,2020-12-01", ",6,2020-12-01")
        second, _ = _publish(portal, tmp_path, slug, changed)
        # one whose table the publisher cannot vouch for: all rows in, then the old out
        package = portal.admin.call("package_show", id=slug)
        portal.admin.call(
            "package_revise",
            match={"id": package["id"]},
            **{f"update__resources__{data_id}": {"odp_datastore_token": ""}},
        )
        third_rows = changed.replace(",4,2020-12-01", ",3,2020-12-01")
        third, _ = _publish(portal, tmp_path, slug, third_rows)
    finally:
        stop.set()
        thread.join()
    assert second.version == "1.0.1" and second.datastore is not None
    assert second.datastore["method"] == "changed rows"
    assert 0 < second.datastore["written"] < 12_000 / 5
    assert third.version == "1.0.2" and third.datastore is not None
    assert third.datastore["method"] == "replace rows"
    assert len(seen) > 3, seen
    assert None not in seen and 0 not in seen, sorted(set(seen), key=str)[:10]
    check_version(portal, slug, third, ["1.0.2", "1.0.1", "1.0.0"], third_rows)


def test_an_interrupted_stock_load_is_seen_by_the_plan_and_finished_by_the_next_run(
    stock_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal, slug = stock_portal, "stock-interrupted"
    client, _ = counted(portal.url, portal.publisher_token)
    target = destination(portal.url, portal.org, portal.group)
    publish(client, release_for(tmp_path, slug, ROWS, target))
    release = release_for(tmp_path, slug, PATCHED, target)

    def cut(*args: object, **kwargs: object) -> None:
        raise PortalUnavailable("connection reset during the load (injected)")

    with monkeypatch.context() as patched:
        patched.setattr(datastore_api, "load_table", cut)
        with pytest.raises(PortalUnavailable):
            publish(client, release)
    # the version was committed, its table still holds the previous rows
    pending = plan_release(client, release)
    assert (pending.action, pending.datastore_pending) == ("datastore", True)
    assert "DataStore: not yet loaded" in pending.to_text()
    finished = publish(client, release)
    assert finished.steps == ["datastore"] and finished.version == "1.0.1"
    check_version(portal, slug, finished, ["1.0.1", "1.0.0"], PATCHED)
    again = plan_release(client, release)
    assert (again.action, again.datastore_pending) == ("unchanged", False)
