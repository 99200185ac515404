"""Prefect deployments of a publisher: one per dataset on its profile's schedule, one catalogue.

``prefect.yaml`` holds the default profile's; ``odp deployments --profile NAME`` writes
the same for another publisher, to deploy with ``prefect deploy --prefect-file``.
"""

from __future__ import annotations

from typing import Any

from ..catalogue import DatasetSpec
from ..profile import PublisherProfile

WORK_POOL = "odp-process"
"""The process work pool every deployment runs on (``odp server up`` creates it)."""
POOL = {
    "name": WORK_POOL,
    "work_queue_name": "default",
}
PULL: list[dict[str, Any]] = [{"opendata_pipeline.orchestrate.pull.enter_project": {}}]
DEFAULT_PROFILE = "default"


def deployments_for(
    profile: PublisherProfile, catalogue: dict[str, DatasetSpec], profile_ref: str | None = None
) -> list[dict[str, Any]]:
    """The deployments of ``profile``: catalogue (on demand) and each dataset on its schedule.

    Args:
        profile_ref: how workers find the profile (name or path); not passed for the default.
    """
    extra = {} if profile.name == DEFAULT_PROFILE else {"profile": profile_ref or profile.name}
    suffix = "" if profile.name == DEFAULT_PROFILE else f"-{profile.name}"
    found: list[dict[str, Any]] = [
        {
            "name": f"catalogue{suffix}",
            "entrypoint": "flows/publish.py:publish_catalogue",
            "enforce_parameter_schema": True,
            "parameters": {"dry_run": False, "fan_out": False, **extra},
            "work_pool": dict(POOL),
        }
    ]
    for name, spec in sorted(catalogue.items()):
        cron = profile.schedule.cron_for(spec.folder.name)
        schedules = [{"cron": cron, "timezone": profile.schedule.timezone}] if cron else []
        found.append(
            {
                "name": name,
                "entrypoint": "flows/publish.py:publish_dataset",
                "enforce_parameter_schema": True,
                "parameters": {"dataset": name, **extra},
                "work_pool": dict(POOL),
                "schedules": schedules,
            }
        )
    return found


def prefect_file(
    profile: PublisherProfile, catalogue: dict[str, DatasetSpec], ref: str
) -> dict[str, Any]:
    """A complete ``prefect.yaml``-style document with the publisher's deployments."""
    return {
        "name": f"opendata-pipeline-{profile.name}",
        "pull": PULL,
        "deployments": deployments_for(profile, catalogue, ref),
    }
