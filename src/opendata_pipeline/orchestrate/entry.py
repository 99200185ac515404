"""Run the flows of ``flows/`` in this process: what ``odp plan`` and ``odp publish`` do.

Prefect is imported only after ``connect_prefect`` has chosen the API to use.
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType
from typing import Any

from ..errors import ConfigError
from ..localportal.layout import project_root
from .server import PrefectServer, use_server
from .summary import DatasetOutcome


def load_flows(name: str = "publish") -> ModuleType:
    """Import ``flows/<name>.py`` of the checkout (the file ``prefect.yaml`` deploys)."""
    path = project_root() / "flows" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"odp_flows_{name}", path)
    if spec is None or spec.loader is None or not path.exists():
        raise ConfigError(f"flow file {path} is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def connect_prefect() -> str | None:
    """Use $PREFECT_API_URL, else this checkout's running server; None: a temporary one."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    server = PrefectServer.default()
    return server.api_url if use_server(server) else None


def quiet_console(level: str = "WARNING") -> None:
    """Show only warnings on Prefect's console log (runs still send every log to the API).

    Prefect configures logging at its first run from the environment, so this must
    happen before that.
    """
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", level)


def run_publish(
    datasets: list[str], dry_run: bool, fan_out: bool = False, profile: str | None = None
) -> list[DatasetOutcome]:
    """Run ``publish-dataset`` (one slug) or ``publish-catalogue`` and return the outcomes.

    Raises:
        OdpError: the run could not start (settings, catalogue).
    """
    from .runs import RunFailed  # imports Prefect, which reads its settings once

    flows = load_flows()
    state: Any
    if len(datasets) == 1 and not fan_out:
        state = flows.publish_dataset(
            dataset=datasets[0], dry_run=dry_run, profile=profile, return_state=True
        )
    else:
        state = flows.publish_catalogue(
            datasets=datasets or None,
            dry_run=dry_run,
            fan_out=fan_out,
            profile=profile,
            return_state=True,
        )
    result = state.result(raise_on_failure=False)
    if isinstance(result, RunFailed):
        return result.outcomes
    if isinstance(result, BaseException):  # an OdpError from start_run, or a bug
        raise result
    return result if isinstance(result, list) else [result]
