"""What ``odp`` prints and how it exits: one style for every command.

Results go to stdout, one line per dataset, then a summary line; notes and errors
go to stderr, one line each, without a traceback unless ``-v`` is given.

Exit codes (the same for every command):

====  ==========================================================================
0     success
1     invalid data, or a dataset failed
2     bad usage, configuration or schema
3     the portal (or the Prefect server) stayed unreachable
====  ==========================================================================
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from ..errors import OdpError

OK, FAILED, CONFIG, UNREACHABLE = 0, 1, 2, 3
EXIT_CODES = {
    OK: "success",
    FAILED: "invalid data, or a dataset failed",
    CONFIG: "bad usage, configuration or schema",
    UNREACHABLE: "the portal (or the Prefect server) stayed unreachable",
}

F = TypeVar("F", bound=Callable[..., Any])


KIND_CODES = {"failed": FAILED, "config": CONFIG, "unreachable": UNREACHABLE}


def exit_code_of(error: BaseException) -> int:
    """The exit code an error stands for."""
    return KIND_CODES.get(getattr(error, "kind", "failed"), FAILED)


def exit_code_for(kinds: Iterable[str]) -> int:
    """The exit code of a run whose failures were of these kinds (the highest code wins)."""
    return max((KIND_CODES.get(k, FAILED) for k in kinds), default=OK)


def result(line: str) -> None:
    """A result line (stdout)."""
    click.echo(line)


def note(line: str) -> None:
    """Progress or context for the person at the terminal (stderr)."""
    click.echo(line, err=True)


def problem(line: str) -> None:
    """A failure, one line (stderr)."""
    click.secho(line, fg="red", err=True)


def summary(counts: Iterable[tuple[str, int]], noun: str = "dataset") -> str:
    """``4 datasets: 3 published, 1 failed`` (only non-zero counts)."""
    pairs = [(label, n) for label, n in counts if n]
    total = sum(n for _, n in pairs)
    parts = ", ".join(f"{n} {label}" for label, n in pairs) or "nothing to do"
    return f"{total} {noun}{'' if total == 1 else 's'}: {parts}"


def verbose() -> bool:
    """True when ``-v`` was given (tracebacks and Prefect's logs are shown)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and isinstance(root.obj, dict) and root.obj.get("verbose"))


def guarded(fn: F) -> F:
    """Run a command; turn errors into one line on stderr and the table's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OdpError as exc:
            if verbose():
                traceback.print_exc()
            for line in str(exc).splitlines() or [type(exc).__name__]:
                problem(line if line.startswith(" ") else f"error: {line}")
            sys.exit(exit_code_of(exc))
        except Exception as exc:  # noqa: BLE001 - a bug: one line unless -v
            if verbose():
                traceback.print_exc()
            text = str(exc).splitlines()[0] if str(exc) else ""
            problem(f"error: unexpected {type(exc).__name__}: {text} (run with -v for details)")
            sys.exit(FAILED)

    return wrapper  # type: ignore[return-value]
