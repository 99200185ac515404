"""Start, watch and stop background processes (CKAN, Prefect server, worker): one way for all.

Each process runs in its own session (process group) with its output in a log
file and its pid in a pid file, so a later ``odp`` invocation can stop it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ServiceError


@dataclass(frozen=True)
class Process:
    """A background process known by its pid file and log file."""

    name: str
    """What it is, for messages (e.g. "Prefect server on port 4200")."""
    pidfile: Path
    logfile: Path

    def pid(self) -> int | None:
        """The pid if the process (group leader) is alive, else None."""
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        try:  # a zombie child of this process is not alive
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return None
        except ChildProcessError:
            pass
        return pid

    def start(self, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> int:
        """Start ``argv`` in its own session, output appended to the log; return its pid."""
        self.pidfile.parent.mkdir(parents=True, exist_ok=True)
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        with self.logfile.open("ab") as log:
            proc = subprocess.Popen(  # noqa: S603 - argv built by this package
                argv,
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pidfile.write_text(str(proc.pid))
        return proc.pid

    def wait_until(self, ready: Callable[[], bool], seconds: float) -> None:
        """Wait until ``ready()``; stop the process and raise if it dies or takes too long.

        Raises:
            ServiceError: it did not become ready (the message ends with its log).
        """
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if ready():
                return
            if self.pid() is None:
                break
            time.sleep(0.3)
        self.stop()
        raise ServiceError(f"{self.name} did not start; log {self.logfile}:\n{self.tail()}")

    def stop(self, grace: float = 20.0) -> bool:
        """Stop the process group (TERM, then KILL after ``grace`` s); False if not running."""
        pid = self.pid()
        self.pidfile.unlink(missing_ok=True)
        if pid is None:
            return False
        _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.1)
        _signal(pid, signal.SIGKILL)
        return True

    def tail(self, lines: int = 20) -> str:
        """The last lines of the log."""
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _signal(pid: int, sig: int) -> None:
    """Signal the process group ``pid`` leads, else (a daemon that forked away) the process."""
    for send in (os.killpg, os.kill):
        try:
            send(pid, sig)
            return
        except (ProcessLookupError, PermissionError):
            continue


def _alive(pid: int) -> bool:
    """True while the process or the process group it led still exists (not a zombie)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    for probe in (os.killpg, os.kill):
        try:
            probe(pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            continue
    return False
