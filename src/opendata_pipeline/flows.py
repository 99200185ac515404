"""Publishing flows: each dataset goes gather -> validate -> plan -> apply (tasks below);
datasets it references are validated for their keys. A project's ``flows/publish.py``."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from opendata_pipeline.catalogue import references
from opendata_pipeline.orchestrate.fanout import run_as_deployments
from opendata_pipeline.orchestrate.heartbeat import beating
from opendata_pipeline.orchestrate.params import DatasetSlug, PortalUrl, ProfileRef
from opendata_pipeline.orchestrate.run import DatasetRun, Run, collect, conclude, prepare
from opendata_pipeline.orchestrate.summary import DatasetOutcome, RunResult
from opendata_pipeline.orchestrate.tasks import apply, gather, plan, refresh_package, validate


def pipeline(run: Run) -> list[DatasetOutcome]:
    """Submit gather -> validate -> plan -> apply for ``run.order``, each step for every
    dataset before the next step: no worker thread waits for a step not yet started."""
    staged = {s.slug: gather.submit(s, run.workspace) for s in run.order}
    checked: dict[str, Any] = {}
    for s in run.order:  # foreign keys are checked against the referenced tables' keys
        keys = [checked[r] for r in references(s)]
        checked[s.slug] = validate.submit(s, staged[s.slug], keys, run.workspace, run.referenced(s))
    published = [s for s in run.order if run.publishes(s)]  # the rest: validated for keys
    planned = {s.slug: plan.submit(s, checked[s.slug], run.destination) for s in published}
    applied: dict[str, Any] = {}
    for s in [] if run.dry_run else published:  # referenced datasets are published first
        first = [applied[r] for r in references(s) if r in applied]
        args = (planned[s.slug], run.destination, run.allow_draft)
        applied[s.slug] = apply.submit(*args, wait_for=first)
    steps = (staged, checked, planned, applied)
    return collect(run, [DatasetRun(s, *(step.get(s.slug) for step in steps)) for s in run.order])


@flow(name="publish-dataset", task_runner=ThreadPoolTaskRunner(max_workers=4))
def publish_dataset(
    dataset: DatasetSlug,
    dry_run: bool = False,
    profile: ProfileRef | None = None,
    portal_url: PortalUrl | None = None,
    allow_draft: bool = False,
) -> RunResult:
    """Publish one dataset (dry_run: only plan; allow_draft: even if odp init's draft)."""
    with beating():
        run = prepare(profile, [dataset], dry_run, portal_url, allow_draft)
        outcomes = pipeline(run)
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
    with beating():
        run = prepare(profile, datasets, dry_run, portal_url, allow_draft)
        outcomes = run_as_deployments(run) if fan_out else pipeline(run)
        package = refresh_package.submit(run.profile, run.catalogue, run.destination, dry_run)
        return conclude(run, outcomes, package)  # type: ignore[return-value]
