"""What a run did, per dataset, as values and as Markdown for artifacts. Pure, no Prefect."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..publish.plan import Plan
from ..publish.runner import PublishResult

Status = Literal["published", "unchanged", "planned", "failed", "validated"]


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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line for the command line."""
        if self.status == "failed":
            return f"FAILED {self.dataset} ({self.stage}): {self.error}"
        if self.status == "planned" and self.details:
            return self.details
        return f"{self.dataset}: {self.summary} -> {self.version or '-'}  {self.url or ''}".rstrip()


def outcome_of(result: PublishResult, dry_run: bool) -> DatasetOutcome:
    """The outcome of a dataset that was planned (dry run) or published."""
    plan = result.plan
    if dry_run:
        status: Status = "planned"
        version = plan.next_version or plan.current_version
    else:
        status = "unchanged" if plan.action == "unchanged" else "published"
        version = result.version
    return DatasetOutcome(
        result.slug, status, plan.headline(), version, result.url, details=plan.to_text()
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
