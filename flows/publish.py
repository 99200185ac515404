"""Publishing flows: wire gather, validate, plan and apply for one dataset or the catalogue.

The steps live in ``opendata_pipeline``; the publisher (organization, portal,
catalogue) comes from its profile, the token from the environment or a Prefect
Secret block, never from parameters.
"""

from __future__ import annotations

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from opendata_pipeline.orchestrate.fanout import run_wave_as_deployments
from opendata_pipeline.orchestrate.params import DatasetSlug, ProfileRef
from opendata_pipeline.orchestrate.runs import start_run
from opendata_pipeline.orchestrate.summary import DatasetOutcome


@flow(name="publish-dataset", task_runner=ThreadPoolTaskRunner(max_workers=4))
def publish_dataset(
    dataset: DatasetSlug, dry_run: bool = False, profile: ProfileRef | None = None
) -> DatasetOutcome:
    """Gather, validate and publish one dataset (the datasets it references are validated too).

    Args:
        dataset: the dataset's CKAN name.
        dry_run: only plan; write nothing to the portal.
        profile: the publisher profile (default: $ODP_PROFILE, else ``default``).
    """
    run = start_run([dataset], dry_run, profile)
    for wave in run.waves:
        run.collect([run.submit(slug) for slug in wave])
    run.refresh_package()
    return run.finish()[0]


@flow(name="publish-catalogue", task_runner=ThreadPoolTaskRunner(max_workers=4))
def publish_catalogue(
    datasets: list[DatasetSlug] | None = None,
    dry_run: bool = False,
    fan_out: bool = False,
    profile: ProfileRef | None = None,
) -> list[DatasetOutcome]:
    """Publish the catalogue in foreign-key order, independent datasets concurrently.

    Args:
        datasets: the slugs to publish (default: all).
        dry_run: only plan; write nothing to the portal.
        fan_out: run each dataset as its own ``publish-dataset`` deployment run, so that
            several workers share the catalogue.
        profile: the publisher profile (default: $ODP_PROFILE, else ``default``).
    """
    run = start_run(datasets, dry_run, profile)
    for wave in run.waves:
        if fan_out:
            run_wave_as_deployments(run, wave)
        else:
            run.collect([run.submit(slug) for slug in wave])
    run.refresh_package()
    return run.finish()
