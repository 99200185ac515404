"""One flow run over several datasets: what to do in which order, and what came of it.

The flows in ``flows/`` call these helpers; the work itself happens in tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.futures import PrefectFuture, wait

from ..catalogue import DatasetSpec, foreign_key_targets, publish_order
from ..errors import ConfigError, TerminalError
from ..profile import PublisherProfile, load_profile
from ..publish.connect import publish_target
from ..publish.settings import PublishTarget
from ..validate.step import needed_for
from . import tasks
from .progress import Progress
from .secrets import block_secret
from .staging import Checked
from .summary import DatasetOutcome, artifact_key, catalogue_markdown, outcome_of

STAGES = ("gather", "validate", "plan", "apply")


class RunFailed(TerminalError):
    """Some datasets of a run failed; the others were published."""

    def __init__(self, outcomes: list[DatasetOutcome]) -> None:
        self.outcomes = outcomes
        failed = [o for o in outcomes if o.status == "failed"]
        super().__init__(
            f"{len(failed)} of {len(outcomes)} dataset(s) failed: "
            + "; ".join(f"{o.dataset} ({o.stage}): {o.error}" for o in failed)
        )


@dataclass
class Chain:
    """The futures of one dataset's steps, in order (later ones may be missing)."""

    slug: str
    futures: dict[str, PrefectFuture[Any]]
    publish: bool


@dataclass
class CatalogueRun:
    """The datasets of one run, in foreign-key waves, and the results so far."""

    catalogue: dict[str, DatasetSpec]
    requested: list[str]
    target: PublishTarget
    dry_run: bool
    waves: list[list[str]]
    checked: dict[str, Checked] = field(default_factory=dict)
    outcomes: dict[str, DatasetOutcome] = field(default_factory=dict)
    progress: Progress | None = None
    profile: str | None = None
    """The profile as the run was asked for it (passed on to fanned-out runs)."""
    publisher: PublisherProfile | None = None
    package_error: str | None = None

    def references(self, slug: str) -> list[Checked] | str:
        """The validated tables ``slug``'s foreign keys point at, or why they are missing."""
        targets = sorted(foreign_key_targets(self.catalogue[slug].table_schema()) - {slug})
        missing = [t for t in targets if t not in self.checked]
        if missing:
            return (
                f"foreign keys not checked: referenced dataset(s) {missing} failed or are invalid"
            )
        return [self.checked[t] for t in targets]

    def submit(self, slug: str) -> Chain | None:
        """Submit gather, validate, plan (and apply) of one dataset; None if it cannot start."""
        spec = self.catalogue[slug]
        refs = self.references(slug)
        if isinstance(refs, str):
            self.record(
                DatasetOutcome(slug, "failed", "not validated", error=refs, stage="validate")
            )
            return None
        publish = slug in self.requested
        staged = tasks.gather.submit(spec)
        futures: dict[str, PrefectFuture[Any]] = {
            "gather": staged,
            "validate": tasks.validate.submit(spec, staged, refs, return_state=False),
        }
        if publish:
            futures["plan"] = tasks.plan.submit(
                spec, staged, futures["validate"], self.target, return_state=False
            )
            if not self.dry_run:
                futures["apply"] = tasks.apply.submit(
                    spec,
                    staged,
                    futures["validate"],
                    self.target,
                    return_state=False,
                    wait_for=[futures["plan"]],
                )
        return Chain(slug, futures, publish)

    def collect(self, chains: list[Chain | None]) -> None:
        """Wait for a wave and record each dataset's outcome."""
        live = [c for c in chains if c is not None]
        wait([f for c in live for f in c.futures.values()])
        for chain in live:
            self.record(self._outcome(chain))

    def _outcome(self, chain: Chain) -> DatasetOutcome:
        for stage in STAGES:
            future = chain.futures.get(stage)
            if future is None:
                continue
            state = future.state
            if not state.is_completed():
                error = state.result(raise_on_failure=False) if state.is_failed() else None
                reason = str(error) if isinstance(error, BaseException) else state.message
                return DatasetOutcome(chain.slug, "failed", "failed", error=reason, stage=stage)
            checked = future.result() if stage == "validate" else None
            if checked is not None and checked.valid:
                # only valid tables may vouch for the keys of the datasets that reference them
                self.checked[chain.slug] = checked
        if not chain.publish:
            return DatasetOutcome(chain.slug, "validated", "validated for its keys")
        last = chain.futures["plan" if self.dry_run else "apply"]
        return outcome_of(last.result(), self.dry_run)

    def record(self, outcome: DatasetOutcome) -> None:
        """Keep an outcome and advance the progress artifact (requested datasets only)."""
        self.outcomes[outcome.dataset] = outcome
        if self.progress is not None and outcome.dataset in self.requested:
            self.progress.advance(outcome)

    def refresh_package(self) -> None:
        """Refresh the catalogue-level Data Package from what the portal now holds."""
        assert self.publisher is not None
        future = tasks.catalogue_package.submit(
            self.publisher, self.catalogue, self.target, self.dry_run
        )
        future.wait()
        if future.state.is_failed():
            self.package_error = str(future.state.message or "failed")

    def finish(self) -> list[DatasetOutcome]:
        """Publish the run's summary artifacts; raise if any requested dataset failed.

        Raises:
            RunFailed: lists every failed dataset and why.
        """
        outcomes = [self.outcomes[s] for w in self.waves for s in w if s in self.requested]
        create_markdown_artifact(
            catalogue_markdown(outcomes), key="publish-summary", description="What this run did"
        )
        create_table_artifact(
            [o.as_dict() for o in outcomes],
            key="publish-outcomes",
            description="One row per dataset",
        )
        if any(o.status == "failed" for o in outcomes):
            raise RunFailed(outcomes)
        if self.package_error:
            raise TerminalError(f"catalogue data package not refreshed: {self.package_error}")
        return outcomes


def start_run(
    datasets: list[str] | None, dry_run: bool, profile: str | None = None
) -> CatalogueRun:
    """Load the publisher's profile and catalogue; order the datasets in waves.

    Args:
        profile: a profile name or file (default: $ODP_PROFILE, else ``default``).

    Raises:
        ConfigError: an unknown dataset was asked for, or settings are missing.
    """
    publisher = load_profile(profile)
    catalogue = publisher.load_catalogue()
    requested = list(datasets or catalogue)
    unknown = sorted(set(requested) - catalogue.keys())
    if unknown:
        raise ConfigError(
            f"unknown dataset(s) {unknown} (datasets: {', '.join(sorted(catalogue))})"
        )
    order = needed_for(catalogue, requested)
    waves = _waves(catalogue, order)
    target = publish_target(secrets=block_secret, profile=publisher)
    run = CatalogueRun(
        catalogue, requested, target, dry_run, waves, profile=profile, publisher=publisher
    )
    run.progress = Progress(len(requested), artifact_key("progress", "publish"))
    return run


def _waves(catalogue: dict[str, DatasetSpec], order: list[str]) -> list[list[str]]:
    """The catalogue's publish waves, keeping only ``order``'s datasets.

    ``order`` holds every dataset its members reference, so each keeps its wave.
    """
    wanted = set(order)
    waves = ([s for s in wave if s in wanted] for wave in publish_order(catalogue))
    return [wave for wave in waves if wave]
