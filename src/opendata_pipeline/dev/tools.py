"""Run the portal's command-line tools (uv, ckan) with the instance's configuration."""

from __future__ import annotations

import subprocess

from ..errors import PortalError
from ..settings import child_environment
from .layout import Layout


def run_tool(cmd: list[str], layout: Layout, what: str, stdin: str | None = None) -> str:
    """Run ``cmd`` with ``CKAN_INI`` set; return its output.

    Raises:
        PortalError: it failed (the message ends with its last output lines).
    """
    env = child_environment({"CKAN_INI": str(layout.ini)})
    done = subprocess.run(cmd, input=stdin, text=True, capture_output=True, env=env, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise PortalError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout
