"""Heartbeats of a publishing flow run, sent by the flow itself.

The crash automation (``notifications``) marks a run Crashed when its heartbeats stop.
Prefect's engine has its own heartbeat thread, but it sleeps in whole seconds and
the engine waits for it when the run ends: up to a second added to every run, most
of a no-op run's cost beyond Prefect's own. The flows send the same event
(``prefect.flow-run.heartbeat`` about the flow run, with the flow as related
resource) from a thread that stops the moment the flow body returns, every
``HEARTBEAT_SECONDS`` whatever Prefect's setting says. The command line switches
Prefect's own heartbeat off for its in-process runs; deployed runs keep it as well
(its default of 180 s is harmless next to these).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import HEARTBEAT_SECONDS

Emit = Callable[[dict[str, str], list[dict[str, str]]], Any]


def heartbeat_event(flow_run: Any, flow_name: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(resource, related resources) of a heartbeat of ``flow_run``, the way Prefect
    describes its own: the run as resource, its flow (and deployment) as related."""
    resource = {
        "prefect.resource.id": f"prefect.flow-run.{flow_run.id}",
        "prefect.resource.name": flow_run.name or "",
    }
    related = [
        {
            "prefect.resource.id": f"prefect.flow.{flow_run.flow_id}",
            "prefect.resource.role": "flow",
            "prefect.resource.name": flow_name,
        }
    ]
    if flow_run.deployment_id:
        related.append(
            {
                "prefect.resource.id": f"prefect.deployment.{flow_run.deployment_id}",
                "prefect.resource.role": "deployment",
            }
        )
    return resource, related


def _prefect_emit(resource: dict[str, str], related: list[dict[str, str]]) -> Any:
    from prefect.events import emit_event

    return emit_event("prefect.flow-run.heartbeat", resource=resource, related=related)


@contextmanager
def beating(
    every: float = HEARTBEAT_SECONDS, emit: Emit = _prefect_emit, context: Any = None
) -> Iterator[None]:
    """Send the current flow run's heartbeat now and every ``every`` seconds until the
    block ends (at once: the thread waits on an event, not in sleeps).

    ``context``: a Prefect ``FlowRunContext`` (default: the current one; outside a flow
    run nothing is sent).
    """
    if context is None:
        from prefect.context import FlowRunContext

        context = FlowRunContext.get()
    run = getattr(context, "flow_run", None)
    if run is None:
        yield
        return
    resource, related = heartbeat_event(run, context.flow.name)
    stop = threading.Event()

    def loop() -> None:
        while True:
            with contextlib.suppress(Exception):  # a lost heartbeat must not end the run
                emit(resource, related)
            if stop.wait(every):
                return

    # the thread sees this context's settings (the API URL the command line set)
    thread = threading.Thread(
        target=contextvars.copy_context().run, args=(loop,), name="odp-heartbeat", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
