"""`odp portal up | status | down | reset` on a throwaway instance, as a steward uses them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from opendata_pipeline.dev import portal as manager
from opendata_pipeline.dev.layout import Layout
from tests.portal_fixture import HOME, free_port
from tests.project import ROOT

ODP = str(Path(sys.executable).parent / "odp")


def odp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ODP, "portal", *args], capture_output=True, text=True, check=False, cwd=ROOT, timeout=600
    )


def databases(prefix: str) -> list[str]:
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
        ).fetchall()
    return sorted(r[0] for r in rows)


def test_up_status_down_reset() -> None:
    name = f"t{os.getpid()}_{uuid.uuid4().hex[:6]}"
    port = free_port()
    layout = Layout.of(HOME, name, port)
    outputs: list[str] = []
    try:
        first = odp("up", "--name", name, "--port", str(port))
        outputs += [first.stdout, first.stderr]
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == f"http://127.0.0.1:{port}"

        token_file = layout.publisher_token_file
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        ignored = subprocess.run(["git", "check-ignore", "-q", str(token_file)], cwd=ROOT)
        assert ignored.returncode == 0, "token file must be git-ignored"
        pid = layout.pidfile.read_text()

        again = odp("up", "--name", name)
        outputs += [again.stdout, again.stderr]
        assert again.returncode == 0 and again.stdout.strip() == f"http://127.0.0.1:{port}"
        assert again.stderr == ""  # nothing to do: no install, no restart, no bootstrap
        assert layout.pidfile.read_text() == pid

        st = odp("status", "--name", name)
        outputs += [st.stdout, st.stderr]
        assert st.returncode == 0
        assert f"url:      http://127.0.0.1:{port}" in st.stdout
        assert "ckan:     2.12.0" in st.stdout
        for plugin in ("activity", "datastore", "pgsearch", "dcat"):
            assert plugin in st.stdout.split("plugins:")[1].splitlines()[0].split()
        assert st.stdout.count(": ok") == 3

        token = token_file.read_text().strip()
        admin_token = layout.admin_token_file.read_text().strip()
        for text in outputs + [layout.logfile.read_text(errors="replace")]:
            assert token not in text and admin_token not in text

        down = odp("down", "--name", name)
        assert down.returncode == 0 and down.stdout.strip() == "stopped"
        assert odp("status", "--name", name).returncode == 3

        assert databases(f"odp_{name}_") == [layout.db_main, layout.db_datastore]
        wiped = odp("reset", "--name", name, "--yes")
        assert wiped.returncode == 0, wiped.stderr
        assert databases(f"odp_{name}_") == []
        assert not layout.instance_dir.exists()
    finally:
        manager.reset(layout, lambda _m: None)
