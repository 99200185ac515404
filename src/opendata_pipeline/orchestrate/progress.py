"""Progress of a run: a Prefect progress artifact, and listeners such as the CLI's progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast
from uuid import UUID

from .summary import DatasetOutcome


@dataclass(frozen=True)
class ProgressEvent:
    """``done`` of ``total`` datasets are finished; ``outcome`` is the one that just finished."""

    total: int
    done: int
    outcome: DatasetOutcome | None = None


Listener = Callable[[ProgressEvent], None]
_listeners: list[Listener] = []


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call ``listener`` with every progress event of runs in this process."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


class Progress:
    """Counts finished datasets and reports them to the artifact and the listeners."""

    def __init__(self, total: int, key: str) -> None:
        from prefect.artifacts import create_progress_artifact

        self.total, self.done = total, 0
        self._artifact = cast(
            UUID,
            create_progress_artifact(0.0, key=key, description=f"Datasets finished of {total}"),
        )
        self._emit(None)

    def advance(self, outcome: DatasetOutcome) -> None:
        """Record one finished dataset."""
        from prefect.artifacts import update_progress_artifact

        self.done += 1
        if self._artifact is not None:
            update_progress_artifact(
                self._artifact,
                100.0 * self.done / max(self.total, 1),
                description=f"{self.done} of {self.total} finished; last: {outcome.dataset}",
            )
        self._emit(outcome)

    def _emit(self, outcome: DatasetOutcome | None) -> None:
        for listener in list(_listeners):
            listener(ProgressEvent(self.total, self.done, outcome))
