"""Validation findings and the report stewards read (JSON and Markdown)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_CAP = 100

TITLES = {
    "blank-label": "Blank column name",
    "duplicate-label": "Duplicate column name",
    "incorrect-label": "Column name differs from the schema",
    "missing-label": "Column missing",
    "extra-label": "Column not in the schema",
    "blank-header": "Blank header",
    "blank-row": "Blank row",
    "extra-cell": "Extra cell",
    "missing-cell": "Missing cell",
    "type-error": "Wrong type",
    "constraint-error": "Constraint violated",
    "unique-error": "Duplicate value",
    "primary-key": "Duplicate or empty primary key",
    "foreign-key": "Unknown reference",
    "encoding-error": "Encoding problem",
    "source-error": "Unreadable source",
    "format-error": "Wrong format",
    "scheme-error": "Unreachable source",
}


@dataclass(frozen=True)
class Finding:
    """One error, named as frictionless names it."""

    type: str
    message: str
    row: int | None = None
    field: str | None = None
    field_number: int | None = None
    cell: str | None = None
    note: str = ""

    def key(self) -> tuple[int | None, str | None, str]:
        """(row, field, type): what faithfulness to frictionless is measured on."""
        return (self.row, self.field or None, self.type)


@dataclass
class Report:
    """All findings of one table (capped per type; totals always complete)."""

    dataset: str
    file: str
    rows: int
    findings: list[Finding] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    cap: int = DEFAULT_CAP
    engine: str = "odp"
    seconds: float = 0.0
    warnings: list[Finding] = field(default_factory=list)
    """Cells a spreadsheet would run as formulas: reported, not errors (capped)."""
    warnings_total: int = 0

    @property
    def valid(self) -> bool:
        return not self.counts

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def warn(self, finding: Finding) -> None:
        self.warnings_total += 1
        if self.warnings_total <= self.cap:
            self.warnings.append(finding)

    def add(self, finding: Finding) -> None:
        self.counts[finding.type] += 1
        if self.counts[finding.type] <= self.cap:
            self.findings.append(finding)

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (f.row or 0, f.field_number or 0, f.type))
        self.warnings.sort(key=lambda f: (f.row or 0, f.field_number or 0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "dataset": self.dataset,
            "file": self.file,
            "rows": self.rows,
            "engine": self.engine,
            "errors_total": self.total,
            "errors_by_type": dict(sorted(self.counts.items())),
            "cap_per_type": self.cap,
            "errors": [
                {k: v for k, v in asdict(f).items() if v not in (None, "")} for f in self.findings
            ],
            "warnings_total": self.warnings_total,
            "warnings": [
                {k: v for k, v in asdict(f).items() if v not in (None, "")} for f in self.warnings
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_markdown(self, limit: int = 20) -> str:
        """A short summary: verdict, counts per type, the first errors."""
        head = f"## Validation of `{self.dataset}` ({self.file})\n\n"
        if self.valid:
            return head + f"**Valid**: {self.rows:,} rows, no errors.\n" + self._warnings_md()
        lines = [
            head + f"**Invalid**: {self.total:,} error(s) in {self.rows:,} rows. "
            "Not publishable until fixed.\n",
            "| error | count |",
            "|---|---:|",
        ]
        lines += [f"| {TITLES.get(t, t)} (`{t}`) | {n:,} |" for t, n in sorted(self.counts.items())]
        lines += ["", "| row | field | value | problem |", "|---:|---|---|---|"]
        for f in self.findings[:limit]:
            cell = (f.cell or "").replace("|", "\\|")[:60]
            lines.append(f"| {f.row or ''} | {f.field or ''} | {cell} | {f.message} |")
        shown = min(limit, len(self.findings))
        if self.total > shown:
            lines.append(f"\n{self.total - shown:,} more error(s) in the JSON report.")
        return "\n".join(lines) + "\n" + self._warnings_md()

    def _warnings_md(self) -> str:
        if not self.warnings_total:
            return ""
        first = self.warnings[0].message if self.warnings else ""
        return (
            f"\n**Warning**: {self.warnings_total:,} cell(s) start like a spreadsheet formula "
            f"(`=`, `+`, `-`, `@`); a spreadsheet opening the CSV would run them. "
            f"First: {first}\n"
        )
