"""The ``odp`` command line for data stewards.

Commands import what they need when they run, so ``odp --help`` stays fast.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
from pathlib import Path

import click

from . import devtools, orchestration, publishing, scaffolding, validating
from .options import project_path_option


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opendata-pipeline")
@project_path_option()
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and Prefect's run logs.")
@click.pass_context
def main(ctx: click.Context, project: Path | None, verbose: bool) -> None:
    """Gather, validate and publish open data to CKAN, one publisher profile at a time.

    Exit codes: 0 success; 1 invalid data or a dataset failed; 2 bad usage,
    configuration or schema; 3 the portal (or Prefect server) stayed unreachable.
    """
    ctx.obj = {"verbose": verbose, "project": project}


for module in (validating, publishing, scaffolding, orchestration, devtools):
    for command in module.COMMANDS:
        main.add_command(command)

_exit_code = [0]


def _leave() -> None:
    """The last exit handler: flush logs and output, then end without Python's teardown.

    After a flow run, Python's own exit spends 0.3-0.5 s freeing the heap object by
    object. When this runs, every other exit handler is done (Prefect delivered its
    events and logs; files are closed), so nothing is left that anyone could see.
    """
    logging.shutdown()  # registered before this handler, so it would be skipped
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(_exit_code[0])


def run() -> None:
    """The ``odp`` program: :func:`main` with its exit code, and a quick exit."""
    atexit.register(_leave)  # exit handlers run last-registered first: this one last
    try:
        main()
    except SystemExit as exc:
        code = exc.code
        _exit_code[0] = code if isinstance(code, int) else (0 if code is None else 1)
        raise
    except KeyboardInterrupt:
        _exit_code[0] = 130  # what a shell reports for Ctrl-C
        raise
    except BaseException:
        _exit_code[0] = 1  # Python prints the traceback; the exit says it failed
        raise


__all__ = ["main", "run"]
