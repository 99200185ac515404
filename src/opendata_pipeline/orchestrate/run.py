"""One flow run over a publisher's datasets: what to run in which order, and what came of it.

The flows (``opendata_pipeline.flows``) submit the steps; this module prepares the
run from settings and profile, and turns the steps' final states into outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture, wait
from prefect.states import Completed, Failed

from ..catalogue import DatasetSpec, needed_for, references
from ..profile import PublisherProfile
from ..project import Project, profile_catalogue
from ..publish.catalogue_package import PackageResult
from ..publish.destination import Destination, destination
from ..settings import load_settings
from ..steps import Workspace, workspace_for
from .summary import (
    DatasetOutcome,
    RunFailed,
    RunResult,
    catalogue_markdown,
    planned,
    published,
)


@dataclass(frozen=True)
class Run:
    """The datasets of one run, in foreign-key order, and where they go."""

    profile: PublisherProfile
    catalogue: dict[str, DatasetSpec]
    requested: list[str]
    order: list[DatasetSpec]
    """The requested datasets and every dataset they reference, referenced ones first."""
    destination: Destination
    workspace: Workspace
    dry_run: bool
    profile_ref: str | None = None
    """The profile as the run was asked for it (passed on to fanned-out runs)."""
    portal_url: str | None = None
    """The portal URL the run was given explicitly (passed on to fanned-out runs)."""
    allow_draft: bool = False
    """Publish datasets still marked as drafts by ``odp init`` (passed on to fanned-out runs)."""

    def publishes(self, spec: DatasetSpec) -> bool:
        """True for requested datasets; the others are only validated for their keys."""
        return spec.slug in self.requested

    def referenced(self, spec: DatasetSpec) -> bool:
        """True if another dataset of the run has foreign keys pointing at ``spec``."""
        return any(spec.slug in references(other) for other in self.order)


def prepare(
    profile: str | None,
    datasets: list[str] | None,
    dry_run: bool,
    portal_url: str | None,
    allow_draft: bool = False,
) -> Run:
    """Load settings, project, profile and catalogue; order the requested datasets.

    Raises:
        ConfigError: an unknown dataset, an invalid declaration, or no portal URL.
    """
    settings = load_settings()
    project = Project.find(settings.project)
    publisher = project.load_profile(profile or settings.profile)
    catalogue = profile_catalogue(publisher)
    requested = list(datasets or catalogue)
    order = [catalogue[s] for s in needed_for(catalogue, requested)]
    return Run(
        profile=publisher,
        catalogue=catalogue,
        requested=requested,
        order=order,
        destination=destination(publisher, portal_url, settings.ckan_url),
        workspace=workspace_for(
            project.root, settings.cache_dir or project.default_cache, publisher, settings
        ),
        dry_run=dry_run,
        profile_ref=profile,
        portal_url=portal_url,
        allow_draft=allow_draft,
    )


@dataclass(frozen=True)
class DatasetRun:
    """The submitted steps of one dataset (plan and apply only where they were submitted)."""

    spec: DatasetSpec
    gathered: PrefectFuture[Any]
    validated: PrefectFuture[Any]
    planned: PrefectFuture[Any] | None = None
    applied: PrefectFuture[Any] | None = None

    def futures(self) -> list[PrefectFuture[Any]]:
        steps = (self.gathered, self.validated, self.planned, self.applied)
        return [f for f in steps if f is not None]


def _error(future: PrefectFuture[Any]) -> tuple[str, str]:
    """The error of a failed step, and its kind (``failed``, ``config``, ``unreachable``)."""
    state = future.state
    error = state.result(raise_on_failure=False) if state.is_failed() else None
    if isinstance(error, BaseException):
        return str(error), getattr(error, "kind", "failed")
    return str(state.message or state.name), "failed"


def outcome(run: Run, dataset: DatasetRun, others: dict[str, DatasetRun]) -> DatasetOutcome:
    """What became of one requested dataset: the first step that did not complete, or its
    result."""
    slug = dataset.spec.slug
    steps = (
        ("gather", dataset.gathered),
        ("validate", dataset.validated),
        ("plan", dataset.planned),
        ("apply", dataset.applied),
    )
    for stage, future in steps:
        if future is None or future.state.is_completed():
            continue
        if future.state.is_failed() or future.state.is_crashed():
            return DatasetOutcome.failed(slug, stage, *_error(future))
        # not run because a step it waits for failed: in a referenced dataset?
        refs = [others[r] for r in references(dataset.spec)]
        if stage == "validate":
            failed = [r.spec.slug for r in refs if not r.validated.state.is_completed()]
            reason = "foreign keys not checked: referenced dataset(s) {} failed or are invalid"
        else:
            failed = [r.spec.slug for r in refs if r.applied and not r.applied.state.is_completed()]
            reason = "not published: referenced dataset(s) {} were not published"
        text = reason.format(", ".join(failed)) if failed else f"not run ({future.state.name})"
        return DatasetOutcome.failed(slug, stage, text)
    url = run.destination.dataset_url(slug)
    if dataset.applied is not None:
        return published(dataset.applied.result())
    assert dataset.planned is not None
    return planned(dataset.planned.result(), url)


def collect(run: Run, datasets: list[DatasetRun]) -> list[DatasetOutcome]:
    """Wait for every step; one outcome per requested dataset, in run order."""
    wait([f for d in datasets for f in d.futures()])
    by_slug = {d.spec.slug: d for d in datasets}
    return [outcome(run, d, by_slug) for d in datasets if run.publishes(d.spec)]


def conclude(
    run: Run, outcomes: list[DatasetOutcome], package: PrefectFuture[PackageResult]
) -> State[Any]:
    """Attach the run's summary; the run ends Failed if a dataset or the package failed.

    The run's result is its :class:`RunResult` (inside :class:`RunFailed` when it failed;
    ``summary.run_result`` reads both).
    """
    package.wait()
    package_error, package_kind = _error(package) if package.state.is_failed() else (None, "")
    package_result = None if package_error else package.result()
    result = RunResult(outcomes, package_result, package_error, package_kind or "failed")
    markdown = catalogue_markdown(outcomes)
    if package_error:
        markdown += f"\nCatalogue data package not refreshed: {package_error}\n"
    create_markdown_artifact(markdown, key="publish-summary", description="What this run did")
    create_table_artifact(
        [o.as_dict() for o in outcomes], key="publish-outcomes", description="One row per dataset"
    )
    if result.failed or package_error:
        message = "; ".join(f"{o.dataset} failed at {o.stage}: {o.error}" for o in result.failed)
        if package_error:
            message = "; ".join(filter(None, [message, f"catalogue package: {package_error}"]))
        return Failed(message=message, data=RunFailed(message, result))
    return Completed(message=f"{len(outcomes)} dataset(s) done", data=result)
