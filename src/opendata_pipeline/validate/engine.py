"""Validate a table against a Table Schema with frictionless 5.21's verdicts, fast and streaming.

1. Read the file in batches of string columns (:mod:`..gather.tables`), as frictionless reads it.
2. Clear certainly-valid cells with vectorised checks (:mod:`.fastchecks`); patterns run
   in RE2 where provably identical, else in Python's ``re`` under a budget (:mod:`.patterns`).
3. frictionless validates the remaining "suspect" rows (:mod:`.oracle`): its findings are
   the findings (types, constraints, missing/extra cells, blank rows).
4. Unique fields, the primary key and foreign keys are checked over the whole table on
   comparable keys of the typed values (:mod:`.keys`), following frictionless's rules;
   memory keeps a 64-bit hash per key cell, the keys themselves wait in a spill file.

Files whose header does not match the schema, other formats (XLSX, JSON, ...) and bytes
the reader cannot take are validated by frictionless alone.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..gather.tables import BATCH_ROWS, Batch, CsvTable, TableReadError, arrow_array
from ..memory import release_unused
from . import keys as K
from .fastchecks import check_column, formula_cells
from .keys import KeyColumns, Lookups, field_list
from .messages import finding_from_frictionless, integrity_finding
from .patterns import BUDGET_SECONDS, Budget, PatternCheck
from .report import Finding, Report
from .schema import check_schema, missing_values
from .values import canonical, read_value

CSV_FORMATS = ("csv", "tsv", "txt", "")
__all__ = ["Lookups", "Target", "Validation", "validate_bytes", "validate_file"]


@dataclass(frozen=True)
class Target:
    """What is validated: a name for messages and the bytes."""

    dataset: str
    file: str
    data: bytes


@dataclass
class Validation:
    """A table's report and its own key sets (for other tables' foreign keys). Picklable."""

    report: Report
    lookups: Lookups = field(default_factory=dict)


@dataclass
class _Run:
    """One validation's settings and running state."""

    schema: dict[str, Any]
    report: Report
    dataset: str
    lookups: Lookups | None
    budget: Budget = field(default_factory=Budget)
    timed_out: set[str] = field(default_factory=set)
    formula_cells: str = "warn"

    def __post_init__(self) -> None:
        s = self.schema
        self.fields: list[dict[str, Any]] = s["fields"]
        self.names = [f["name"] for f in self.fields]
        self.missing = [missing_values(s, f) for f in self.fields]
        self.pk = field_list(s.get("primaryKey"))
        self.uniques = [f["name"] for f in self.fields if f.get("constraints", {}).get("unique")]
        self.fks: list[dict[str, Any]] = s.get("foreignKeys") or []
        fk_fields = [n for fk in self.fks for n in field_list(fk.get("fields"))]
        self_refs = [
            n
            for fk in self.fks
            if fk["reference"].get("resource") in ("", None, self.dataset)
            for n in field_list(fk["reference"].get("fields"))
        ]
        wanted = self.pk + self.uniques + fk_fields + self_refs
        self.key_names = [n for n in dict.fromkeys(wanted) if n in self.names]
        self.patterns = {
            j: PatternCheck(f["name"], f["constraints"]["pattern"], self.budget)
            for j, f in enumerate(self.fields)
            if f.get("type", "any") == "string" and "pattern" in f.get("constraints", {})
        }
        self.hashed = [n for n in dict.fromkeys(self.pk + self.uniques) if n in self.names]
        self.cols = KeyColumns(self.key_names, self.hashed)


def _finding(run: _Run, desc: dict[str, Any]) -> None:
    run.report.add(finding_from_frictionless(desc, run.schema))


def _batch(run: _Run, labels: list[str], batch: Batch) -> None:
    n = batch.length
    rows = np.arange(batch.first_row, batch.first_row + n, dtype=np.int64)
    row_ok = np.ones(n, dtype=bool)
    missing_count = np.zeros(n, dtype=np.int64)
    checks = []
    for j, f in enumerate(run.fields):
        c = check_column(f, batch.columns[j], run.missing[j], f["name"] in run.key_names)
        row_ok &= c.ok
        missing_count += c.missing
        checks.append(c)
    suspect = ~row_ok | (missing_count == len(run.fields))
    present = np.ones((len(run.fields), n), dtype=bool)
    for i, cells in batch.irregular.items():
        suspect[i] = True
        present[len(cells) :, i] = False
    pattern_fails = _patterns(run, batch, checks, present)
    chosen = np.nonzero(suspect)[0]
    type_errors: set[tuple[int, str]] = set()
    oracle_keys: dict[str, list[str | None]] = {}
    if len(chosen):
        from . import oracle

        errors, oracle_keys = oracle.check_rows(
            labels,
            [(int(rows[i]), batch.cells(int(i))) for i in chosen],
            run.schema,
            run.key_names,
        )
        for desc in errors:
            if desc["type"] == "type-error":
                type_errors.add((desc["rowNumber"], desc.get("fieldName", "")))
            _finding(run, desc)
    for j, fails in pattern_fails.items():
        name = run.names[j]
        for index in np.nonzero(fails)[0]:
            i = int(index)
            if (int(rows[i]), name) in type_errors:
                continue
            _finding(
                run,
                {
                    "type": "constraint-error",
                    "rowNumber": int(rows[i]),
                    "fieldName": name,
                    "fieldNumber": j + 1,
                    "cell": batch.columns[j][int(i)].as_py(),
                    "note": f'constraint "pattern" is "{run.fields[j]["constraints"]["pattern"]}"',
                },
            )
    if run.key_names:
        run.cols.add(rows, _keys(run, batch, checks, chosen, oracle_keys))
    _formulas(run, batch, rows, checks)


def _formulas(run: _Run, batch: Batch, rows: np.ndarray, checks: list[Any]) -> None:
    """Report cells a spreadsheet would run as formulas (warnings, or errors if asked)."""
    for j, name in enumerate(run.names):
        found = formula_cells(batch.columns[j]) & ~checks[j].missing
        for index in np.nonzero(found)[0]:
            i = int(index)
            cell = batch.columns[j][i].as_py()
            finding = Finding(
                type="formula-cell",
                message=(
                    f"row {int(rows[i])}, field '{name}': {cell[:40]!r} starts with "
                    f"{cell[0]!r}; a spreadsheet would run it as a formula"
                ),
                row=int(rows[i]),
                field=name,
                field_number=j + 1,
                cell=cell,
            )
            if run.formula_cells == "fail":
                run.report.add(finding)
            else:
                run.report.warn(finding)


def _patterns(
    run: _Run, batch: Batch, checks: list[Any], present: np.ndarray
) -> dict[int, np.ndarray]:
    out = {}
    for j, check in run.patterns.items():
        matched = check.matches(batch.columns[j])
        if matched is None:
            if check.name not in run.timed_out:
                run.timed_out.add(check.name)
                run.report.add(
                    Finding(
                        type="pattern-timeout",
                        message=(
                            f"field '{check.name}': pattern {check.pattern!r} needed more than "
                            f"the time budget of Python's re; the data was not accepted. "
                            f"Simplify the pattern (RE2 syntax runs in linear time)."
                        ),
                        field=check.name,
                        note=check.pattern,
                    )
                )
            continue
        ok = np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)
        out[j] = ~ok & ~checks[j].missing & present[j]
    return out


def _keys(
    run: _Run,
    batch: Batch,
    checks: list[Any],
    chosen: np.ndarray,
    oracle_keys: dict[str, list[str | None]],
) -> dict[str, pa.Array]:
    out = {}
    for name in run.key_names:
        j = run.names.index(name)
        c = checks[j]
        wanted = c.ok & ~c.missing
        if c.keys is not None and not len(chosen):
            known = np.asarray(c.keys.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            if not (wanted & ~known).any():
                out[name] = c.keys  # every cleared cell has its key: no Python values
                continue
        values = c.keys.to_pylist() if c.keys is not None else [None] * batch.length
        todo = [int(i) for i in np.nonzero(wanted)[0] if values[i] is None]
        if todo:
            cells = [batch.columns[j][i].as_py() for i in todo]
            for i, key in zip(todo, _python_keys(run, j, cells), strict=True):
                values[i] = key
        for pos, i in enumerate(chosen):
            values[int(i)] = oracle_keys[name][pos]
        out[name] = arrow_array(values, pa.string())
    return out


def _python_keys(run: _Run, j: int, cells: list[str]) -> list[str | None]:
    field_ = run.fields[j]
    if field_.get("type") in ("integer", "number", "year", "boolean") or (
        field_.get("type") == "date" and field_.get("format", "default") == "default"
    ):
        return [canonical(read_value(field_, c)[1]) for c in cells]
    from . import oracle

    return oracle.typed_keys(run.schema, field_["name"], cells)


def _integrity(run: _Run) -> None:
    report = run.report
    issues: list[K.Issue] = []
    for name in run.uniques:
        if name in run.key_names:
            issues += K.unique_issues(run.cols, name)
    if run.pk and all(n in run.key_names for n in run.pk):
        issues += K.primary_key_issues(run.cols, run.pk)
    for fk in run.fks:
        ref = fk["reference"]
        resource = ref.get("resource") or ""
        ref_fields = tuple(field_list(ref.get("fields")))
        if not all(n in run.key_names for n in field_list(fk.get("fields"))):
            continue
        if resource in ("", run.dataset):
            known = K.key_set(run.cols, list(ref_fields))
        elif run.lookups is not None and (resource, ref_fields) in run.lookups:
            known = run.lookups[(resource, ref_fields)]
        else:
            continue
        issues += K.foreign_key_issues(run.cols, fk, known, resource or run.dataset)
    for issue in issues:
        number = run.names.index(issue.field) + 1 if issue.field in run.names else None
        report.add(
            integrity_finding(issue.type, issue.row, issue.note, field=issue.field, number=number)
        )


def _own_lookups(run: _Run) -> Lookups:
    out: Lookups = {}
    for fields in [run.pk] + [[u] for u in run.uniques]:
        if fields and all(f in run.key_names for f in fields):
            out[(run.dataset, tuple(fields))] = K.key_set(run.cols, fields)
    return out


def _whole_file(run: _Run, path: Path, fmt: str | None, options: dict[str, Any]) -> None:
    from . import oracle

    check = oracle.check_file(path, run.schema, fmt, options)
    for desc in check.errors:
        _finding(run, desc)
    run.report.rows = check.rows
    run.report.engine = "frictionless"
    if check.keys:
        rows = len(check.row_numbers)
        arrays = {
            n: arrow_array(check.keys.get(n, [None] * rows), pa.string()) for n in run.key_names
        }
        run.cols.add(np.array(check.row_numbers, dtype=np.int64), arrays)
        saved = run.uniques, run.pk, run.fks
        # frictionless checked the rest itself
        run.uniques = [n for n in run.uniques if n in check.own_unique]
        run.pk = run.pk if check.own_pk else []
        run.fks = [fk for fk in run.fks if fk["reference"].get("resource")]
        _integrity(run)
        run.uniques, run.pk, run.fks = saved


def validate_file(
    path: Path,
    schema: dict[str, Any],
    *,
    dataset: str,
    format: str | None = None,  # noqa: A002 - the Table Schema word
    encoding: str | None = None,
    lookups: Lookups | None = None,
    cap: int = 100,
    batch_rows: int = BATCH_ROWS,
    pattern_seconds: float = BUDGET_SECONDS,
    formula_cells: str = "warn",
    own_keys: bool = True,
) -> Validation:
    """Validate one table file, streaming; foreign keys against ``lookups`` and itself.

    Args:
        format: csv, tsv, xlsx, json, ... (default: the file's suffix).
        lookups: key sets of referenced datasets (from their own validations).
        cap: findings kept per error type (totals are always complete).
        pattern_seconds: Python ``re`` time budget for patterns RE2 cannot take.
        formula_cells: "warn" (default) reports cells a spreadsheet would run as formulas
            as warnings; "fail" makes them errors (``formula-cell``).
        own_keys: return the table's own key sets (``Validation.lookups``), which other
            tables' foreign keys are checked against; they cost memory per row.

    Raises:
        SchemaError: the schema is not a Table Schema frictionless would accept.
    """
    started = time.perf_counter()
    check_schema(schema)
    path = Path(path)
    report = Report(dataset, str(path), rows=0, cap=cap)
    run = _Run(
        schema, report, dataset, lookups, Budget(pattern_seconds), formula_cells=formula_cells
    )
    fmt = (format or path.suffix.lstrip(".")).lower()
    try:
        if fmt not in CSV_FORMATS:
            _whole_file(run, path, fmt, {"encoding": encoding})
        else:
            _csv(run, path, encoding, batch_rows)
        run.report.sort()
        run.report.seconds = time.perf_counter() - started
        return Validation(run.report, _own_lookups(run) if own_keys else {})
    finally:
        run.budget.close()
        run.cols.close()


def _csv(run: _Run, path: Path, encoding: str | None, batch_rows: int) -> None:
    try:
        table = CsvTable(path, encoding=encoding, batch_rows=batch_rows)
    except (TableReadError, OSError):
        _whole_file(run, path, "csv", {"encoding": encoding})
        return
    with table:
        if table.labels != run.names or table.header_row != 1:
            _whole_file(run, path, "csv", {"encoding": encoding})
            return
        try:
            for batch in table.batches():
                _batch(run, table.labels, batch)
                run.report.rows += batch.length
        except TableReadError:
            run.report = Report(run.report.dataset, run.report.file, 0, cap=run.report.cap)
            run.cols.close()
            run.cols = KeyColumns(run.key_names, run.hashed)
            _whole_file(run, path, "csv", {"encoding": encoding})
            return
    release_unused()  # the batches are gone; the key checks below sort the key hashes
    _integrity(run)


def validate_bytes(
    target: Target, schema: dict[str, Any], lookups: Lookups | None = None, cap: int = 100
) -> Validation:
    """Validate CSV bytes (written to a temporary file first)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(target.file).stem + ".csv")
        path.write_bytes(target.data)
        result = validate_file(path, schema, dataset=target.dataset, lookups=lookups, cap=cap)
    result.report.file = target.file
    return result
