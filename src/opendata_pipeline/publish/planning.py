"""Plan a release against the portal: read what it holds, then compare (``plan.make_plan``)."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from ..ckan import CkanClient
from .licenses import read_portal_license
from .plan import Plan, Release, make_plan
from .state import PortalState, previous_version, read_state


def with_portal_license(client: CkanClient, release: Release, state: PortalState) -> Release:
    """The release with the portal's id for its licence (found by the licence's URI).

    Raises:
        ConfigError: the portal has no licence with that URI.
    """
    license_ = read_portal_license(client, release.spec.license, state.package)
    if license_ == release.spec.license:
        return release
    return dataclasses.replace(release, spec=release.spec.model_copy(update={"license": license_}))


def plan_release(client: CkanClient, release: Release) -> Plan:
    """What publishing ``release`` would change on the portal (reads only).

    Raises:
        ConfigError: the portal has no licence with the release's licence URI.
        PortalUnavailable: the portal did not answer (transient).
        PortalRejected: the portal refused a read (e.g. a private dataset without a token).
    """
    state = read_state(client, release.slug)
    release = with_portal_license(client, release, state)
    folder = release.data_path.parent
    with tempfile.TemporaryDirectory(prefix="odp-previous-", dir=folder) as tmp:
        # the previous version as this machine staged it, if it still is: no download
        staged = release.staged_copy(state.sha256("data"))
        previous_data, previous_schema = previous_version(
            client, state, release.sha256, release.schema_sha256, Path(tmp), staged
        )
        return make_plan(release, state, previous_data, previous_schema)
