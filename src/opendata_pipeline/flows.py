"""Publishing flows: each dataset goes gather -> validate -> plan -> apply (tasks below).

Datasets that a published one references by foreign key are gathered and validated
too, for their keys, but not published. ``flows/publish.py`` of a project is this file.
"""

from __future__ import annotations

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from opendata_pipeline.catalogue import DatasetSpec, references
from opendata_pipeline.orchestrate.fanout import run_as_deployments
from opendata_pipeline.orchestrate.params import DatasetSlug, PortalUrl, ProfileRef
from opendata_pipeline.orchestrate.run import DatasetRun, Run, collect, conclude, prepare
from opendata_pipeline.orchestrate.summary import DatasetOutcome, RunResult
from opendata_pipeline.orchestrate.tasks import apply, gather, plan, refresh_package, validate


def pipeline(run: Run, spec: DatasetSpec, refs: list[DatasetRun]) -> DatasetRun:
    """Submit one dataset's steps; ``refs``: the datasets its foreign keys point at."""
    staged = gather.submit(spec, run.workspace)
    referenced_keys = [r.validated for r in refs]
    checked = validate.submit(spec, staged, referenced_keys, run.workspace, run.referenced(spec))
    if not run.publishes(spec):  # referenced only: validated for its keys
        return DatasetRun(spec, staged, checked)
    planned = plan.submit(spec, checked, run.destination)
    first = [r.applied for r in refs if r.applied]  # referenced datasets are published first
    args = (planned, run.destination, run.allow_draft)
    applied = None if run.dry_run else apply.submit(*args, wait_for=first)
    return DatasetRun(spec, staged, checked, planned, applied)


def publish(run: Run) -> list[DatasetOutcome]:
    """Run the pipeline over ``run.order`` (referenced datasets come first)."""
    submitted: dict[str, DatasetRun] = {}
    for spec in run.order:
        submitted[spec.slug] = pipeline(run, spec, [submitted[r] for r in references(spec)])
    return collect(run, list(submitted.values()))


@flow(name="publish-dataset", task_runner=ThreadPoolTaskRunner(max_workers=4))
def publish_dataset(
    dataset: DatasetSlug,
    dry_run: bool = False,
    profile: ProfileRef | None = None,
    portal_url: PortalUrl | None = None,
    allow_draft: bool = False,
) -> RunResult:
    """Publish one dataset (dry_run: only plan; allow_draft: even if odp init's draft)."""
    run = prepare(profile, [dataset], dry_run, portal_url, allow_draft)
    outcomes = publish(run)
    package = refresh_package.submit(run.profile, run.catalogue, run.destination, dry_run)
    return conclude(run, outcomes, package)  # type: ignore[return-value]


@flow(name="publish-catalogue", task_runner=ThreadPoolTaskRunner(max_workers=4))
def publish_catalogue(
    datasets: list[DatasetSlug] | None = None,
    dry_run: bool = False,
    fan_out: bool = False,
    profile: ProfileRef | None = None,
    portal_url: PortalUrl | None = None,
    allow_draft: bool = False,
) -> RunResult:
    """Publish datasets (default: all); fan_out: each as its own deployment run."""
    run = prepare(profile, datasets, dry_run, portal_url, allow_draft)
    outcomes = run_as_deployments(run) if fan_out else publish(run)
    package = refresh_package.submit(run.profile, run.catalogue, run.destination, dry_run)
    return conclude(run, outcomes, package)  # type: ignore[return-value]
