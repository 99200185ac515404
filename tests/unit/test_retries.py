"""One retry policy per boundary: a layer that spent its retries is not retried by another."""

from __future__ import annotations

import pickle

from prefect.states import Failed

from opendata_pipeline.errors import PortalUnavailable
from opendata_pipeline.gather.http import FetchUnavailable
from opendata_pipeline.orchestrate.tasks import RETRIES, transient_only


def test_prefect_retries_only_what_no_layer_has_retried_yet() -> None:
    fresh = PortalUnavailable("GET x: content does not match sha256 y")
    spent = PortalUnavailable(
        "package_show: portal error 503 (gave up after 9 attempts)", exhausted=True
    )
    fetched = FetchUnavailable("dataset d, source s: failed after 4 attempt(s)", exhausted=True)
    assert RETRIES["retry_condition_fn"] is transient_only
    assert transient_only(None, None, Failed(data=fresh)) is True
    assert transient_only(None, None, Failed(data=spent)) is False
    assert transient_only(None, None, Failed(data=fetched)) is False


def test_a_spent_error_stays_spent_when_prefect_stores_it() -> None:
    spent = PortalUnavailable("portal gone", exhausted=True)
    again = pickle.loads(pickle.dumps(spent))  # noqa: S301 - our own bytes
    assert str(again) == "portal gone"
    assert again.transient is False and again.kind == "unreachable"
