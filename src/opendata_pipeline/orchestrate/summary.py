"""What a run did, per dataset, as values and as Markdown for artifacts. Pure, no Prefect."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..errors import OdpError, TerminalError
from ..publish.apply import Applied
from ..publish.catalogue_package import PackageResult
from ..publish.plan import Plan

Status = Literal["published", "unchanged", "planned", "failed"]


@dataclass(frozen=True)
class DatasetOutcome:
    """One dataset's result in a run: status, version, link, or the error that stopped it."""

    dataset: str
    status: Status
    summary: str = ""
    version: str | None = None
    url: str | None = None
    error: str | None = None
    stage: str | None = None
    details: str = ""
    """The plan in a few lines (what changes: rows, schema, metadata)."""
    kind: str = ""
    """For a failure: ``failed``, ``config`` or ``unreachable`` (see ``errors.OdpError``)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line for the command line."""
        if self.status == "failed":
            return f"{self.dataset}: FAILED at {self.stage}: {self.error}"
        return f"{self.dataset}: {self.summary}  {self.url or ''}".rstrip()

    @classmethod
    def failed(cls, dataset: str, stage: str, error: str, kind: str = "failed") -> DatasetOutcome:
        return cls(dataset, "failed", "failed", error=error, stage=stage, kind=kind)


@dataclass(frozen=True)
class RunResult:
    """What a flow run did: one outcome per requested dataset, and the catalogue package."""

    outcomes: list[DatasetOutcome]
    package: PackageResult | None = None
    package_error: str | None = None
    package_kind: str = "failed"
    """For a failed catalogue package: ``failed``, ``config`` or ``unreachable``."""

    @property
    def failed(self) -> list[DatasetOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


class RunFailed(TerminalError):
    """A run in which a dataset or the catalogue package failed; carries the whole result.

    Prefect keeps an exception as the result of a failed run, so the run's
    :class:`RunResult` travels inside this one; :func:`run_result` reads either.
    """

    def __init__(self, message: str, result: RunResult) -> None:
        super().__init__(message)
        self.result = result

    def __reduce__(self) -> tuple[Any, ...]:
        return (RunFailed, (str(self), self.result))


def run_result(state: Any) -> RunResult:
    """The :class:`RunResult` of a finished flow run's final state.

    Raises:
        OdpError: the run could not start (settings, profile, catalogue); re-raised.
        TerminalError: the state holds no result (the run crashed or was cancelled).
    """
    value = state.result(raise_on_failure=False)
    if isinstance(value, RunFailed):
        return value.result
    if isinstance(value, RunResult):
        return value
    if isinstance(value, OdpError):
        raise value
    raise TerminalError(f"the run ended {state.name}: {state.message or value}")


def planned(plan: Plan, url: str) -> DatasetOutcome:
    """The outcome of a dry run: what publishing would do."""
    summary = {
        "unchanged": f"unchanged at {plan.current_version}",
        "metadata": f"would update metadata of {plan.current_version}",
        "datastore": f"would finish the DataStore load of {plan.current_version}",
        "version": f"would publish {plan.next_version}"
        + (f" (portal: {plan.current_version})" if plan.current_version else " (new)"),
    }[plan.action]
    version = plan.next_version or plan.current_version
    return DatasetOutcome(plan.slug, "planned", summary, version, url, details=plan.to_text())


def published(applied: Applied) -> DatasetOutcome:
    """The outcome of applying a plan."""
    plan = applied.plan
    if plan.action == "unchanged" and not applied.steps:
        summary, status = f"unchanged at {applied.version}", "unchanged"
    elif plan.action == "version":
        before = f" (was {plan.current_version})" if plan.current_version else " (new)"
        summary, status = f"published {applied.version}{before}", "published"
    elif plan.action == "metadata":
        summary, status = f"metadata of {applied.version} updated", "published"
    else:
        summary, status = f"DataStore of {applied.version} loaded", "published"
    if applied.superseded:
        summary += "; superseded meanwhile by another publisher's version"
    kind: Status = "unchanged" if status == "unchanged" else "published"
    return DatasetOutcome(
        plan.slug, kind, summary, applied.version, applied.url, details=plan.to_text()
    )


def plan_markdown(plan: Plan) -> str:
    """The change table of a plan, for a Markdown artifact."""
    after = plan.next_version or plan.current_version or "-"
    lines = [
        f"## Plan for `{plan.slug}`: {plan.headline()}",
        "",
        "| what | change |",
        "|---|---|",
        f"| version | {plan.current_version or 'none'} → {after} |",
    ]
    if plan.rows is not None:
        rows = plan.rows
        lines.append(
            f"| rows | {rows.added} added, {rows.removed} removed, {rows.changed} changed |"
        )
    lines += [f"| schema ({c.level}) | {c.text} |" for c in plan.schema_changes]
    if plan.metadata_changes:
        lines.append(f"| metadata | {', '.join(plan.metadata_changes)} |")
    if plan.datastore_pending:
        lines.append("| DataStore | load pending |")
    if plan.action != "unchanged":
        lines += ["", f"Version notes: {plan.notes()}"]
    return "\n".join(lines) + "\n"


def catalogue_markdown(outcomes: list[DatasetOutcome]) -> str:
    """The run's summary: one row per dataset, failures with their reason."""
    failed = [o for o in outcomes if o.status == "failed"]
    head = f"## {len(outcomes) - len(failed)} of {len(outcomes)} dataset(s) done" + (
        f", {len(failed)} failed" if failed else ""
    )
    lines = [head, "", "| dataset | status | version | link / error |", "|---|---|---|---|"]
    for o in outcomes:
        detail = (
            f"{o.stage}: {o.error}"
            if o.status == "failed"
            else f"[{o.url}]({o.url})"
            if o.url
            else ""
        )
        detail = detail.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {o.dataset} | {o.status} ({o.summary}) | {o.version or '-'} | {detail} |")
    return "\n".join(lines) + "\n"


def artifact_key(kind: str, slug: str) -> str:
    """An artifact key Prefect accepts (lowercase letters, digits, dashes)."""
    return f"{kind}-{slug}".lower().replace("_", "-")
