"""``odp --help`` and ``odp validate FILE`` import neither pandas, prefect nor frictionless;
the publishing flows import no table library (a no-op run reads no table).

Behaviour, not time: each runs in a fresh interpreter that reports what got imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "validation"
SCHEMA = DATA / "schemas" / "basis.schema.json"
HEAVY = ("pandas", "prefect", "frictionless")

PROBE = """
import json, sys
{before}
from opendata_pipeline.cli import main
try:
    code = main.main(args={args!r}, standalone_mode=False) or 0
except SystemExit as exc:
    code = exc.code
except BaseException as exc:
    code = getattr(exc, "exit_code", repr(exc))
print(json.dumps({{"code": code, "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def run_odp(args: list[str], before: str = "") -> tuple[object, list[str], str]:
    """Run the ``odp`` entry point in a fresh interpreter; (exit code, heavy modules, output)."""
    code = PROBE.format(args=args, heavy=HEAVY, before=before)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    *printed, last = out.strip().splitlines()
    result = json.loads(last)
    return result["code"], result["loaded"], "\n".join(printed)


def test_help_imports_nothing_heavy() -> None:
    code, loaded, out = run_odp(["--help"])
    assert (code, loaded) == (0, [])
    assert "validate" in out


def test_validating_a_valid_file_imports_nothing_heavy() -> None:
    code, loaded, out = run_odp(["validate", str(DATA / "valid.csv"), "--schema", str(SCHEMA)])
    assert (code, loaded) == (0, [])
    assert "**Valid**: 3 rows, no errors." in out


def test_frictionless_is_imported_only_when_a_row_needs_it() -> None:
    code, loaded, out = run_odp(
        ["validate", str(DATA / "type-errors.csv"), "--schema", str(SCHEMA)]
    )
    assert (code, loaded) == (1, ["frictionless"])
    assert "**Invalid**" in out


def test_validating_a_file_with_pandas_already_loaded_still_works() -> None:
    code, loaded, out = run_odp(
        ["validate", str(DATA / "valid.csv"), "--schema", str(SCHEMA)], before="import pandas"
    )
    assert (code, loaded) == (0, ["pandas"])
    assert "**Valid**: 3 rows, no errors." in out


def test_the_publishing_flows_import_no_table_library() -> None:
    """A no-op run never reads a table: pandas, numpy, pyarrow and the readers load on demand."""
    tables = ("pandas", "numpy", "pyarrow", "frictionless", "icalendar", "openpyxl")
    probe = (
        "import json, sys\n"
        "import opendata_pipeline.flows, opendata_pipeline.cli.publishing\n"
        f"print(json.dumps([m for m in {tables!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_the_odp_program_exits_with_its_commands_code_even_on_a_crash() -> None:
    """``odp`` skips Python's teardown (``cli.run``); the exit code must survive it."""
    import subprocess
    import sys

    probe = (
        "import sys, opendata_pipeline.cli as cli\n"
        "def boom(): raise RuntimeError('a bug')\n"
        "cli.main = {how}\n"
        "cli.run()\n"
    )
    cases = {
        "boom": 1,  # an unexpected error: traceback and exit 1
        "lambda: sys.exit(3)": 3,
        "lambda: sys.exit(0)": 0,
        "lambda: (print('out', end=''), sys.exit(2))": 2,
    }
    for how, code in cases.items():
        done = subprocess.run(
            [sys.executable, "-c", probe.format(how=how)], capture_output=True, text=True
        )
        assert done.returncode == code, (how, done.stderr)
        if how == "boom":
            assert "RuntimeError: a bug" in done.stderr
    assert done.stdout == "out"  # output written before the exit is flushed
