"""Crash consistency (issue 16): kill the portal or the publisher mid-publish, then re-run.

The full campaign (every kill point) is ``scripts/crash_campaign.py``; here the two
points of the instrumented list that matter most: inside ``package_revise`` after
its last file write (files written, metadata not committed), and after
``package_revise`` committed (before the DataStore swap).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from opendata_pipeline.publish.apply import load_datastore
from opendata_pipeline.publish.state import read_state
from tests.crashing import Campaign, KillProxy, converged_problems, rows_for
from tests.portal_fixture import Portal
from tests.project import ROOT
from tests.publishing import counted, destination, publish, release_for, sha256


def _quick_points(actions: list[str], writes: list[str]) -> list[tuple[str, int]]:
    revise = actions.index("package_revise") + 1
    return [("write", len(writes)), ("response", revise)]


def test_portal_killed_inside_a_publish_then_rerun_converges(
    portal: Portal, tmp_path: Path
) -> None:
    campaign = Campaign(portal, tmp_path, "crash-portal")
    points, actions, writes = campaign.kill_points()
    print(f"requests of one publish: {len(actions)}: {' '.join(actions)}")
    print(f"storage writes of one publish: {len(writes)}")
    print(f"kill points: {len(points)}")
    assert "package_revise" in actions and len(writes) >= 5
    for point in _quick_points(actions, writes):
        outcome = campaign.run(point)
        print(outcome)
        assert outcome.fired, point
        assert outcome.inconsistent == [], point
        assert not outcome.empty_table, point
        assert outcome.problems == [], point


_PUBLISHER = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.publishing import counted, destination, publish, release_for
target = destination({portal!r}, {org!r}, {group!r})
release = release_for(Path({tmp!r}), {slug!r}, {rows!r}, target)
print("ready", flush=True)
sys.stdin.readline()
client, _ = counted({proxy!r}, open({token!r}).read().strip())
publish(client, release)
"""


def test_publisher_killed_mid_publish_then_rerun_converges(portal: Portal, tmp_path: Path) -> None:
    slug = "crash-publisher"
    target = destination(portal.url, portal.org, portal.group)
    publish(
        counted(portal.url, portal.publisher_token)[0],
        release_for(tmp_path, slug, rows_for(0), target),
    )
    with KillProxy(portal.layout.port) as proxy:  # the requests of one clean publish
        publish(
            counted(proxy.url, portal.publisher_token)[0],
            release_for(tmp_path / "c", slug, rows_for(1), target),
        )
    actions = proxy.actions
    revise = actions.index("package_revise") + 1
    points = [("request", revise), ("response", revise), ("response", len(actions))]
    print(f"requests of one publish: {len(actions)}; publisher killed at {points}")
    children: list[int] = []

    def kill() -> None:
        os.kill(children[-1], signal.SIGKILL)

    for n, point in enumerate(points, start=2):
        rows = rows_for(n)

        with KillProxy(portal.layout.port, point, kill) as proxy:
            script = _PUBLISHER.format(
                root=str(ROOT),
                portal=portal.url,
                org=portal.org,
                group=portal.group,
                tmp=str(tmp_path / f"p{n}"),
                slug=slug,
                rows=rows,
                proxy=proxy.url,
                token=str(portal.layout.publisher_token_file),
            )
            child = subprocess.Popen(
                [sys.executable, "-c", script],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            children.append(child.pid)
            assert child.stdout is not None and child.stdin is not None
            assert child.stdout.readline().strip() == "ready"
            child.stdin.write("go\n")
            child.stdin.flush()
            code = child.wait(timeout=120)
        assert code == -signal.SIGKILL, (point, code)
        result = publish(
            counted(portal.url, portal.publisher_token)[0],
            release_for(tmp_path / f"r{n}", slug, rows, target),
        )
        assert result.version == f"1.0.{n}", (point, result.steps)
        assert converged_problems(portal.admin, slug, f"1.0.{n}", rows) == [], point


def test_superseded_publisher_cannot_reload_the_datastore(portal: Portal, tmp_path: Path) -> None:
    slug = "crash-stale"
    target = destination(portal.url, portal.org, portal.group)
    client = counted(portal.url, portal.publisher_token)[0]
    stale = release_for(tmp_path / "a", slug, rows_for(0), target)
    publish(client, stale)
    seen_by_stale = read_state(client, slug, datastore_status=False)
    newer = rows_for(2)
    publish(client, release_for(tmp_path / "b", slug, newer, target))
    # The stale publisher's load arrives late (it checked the portal before the newer version).
    result = load_datastore(client, stale, seen_by_stale)
    assert result.get("superseded") is True and not result.get("loaded")
    state = read_state(portal.admin, slug, datastore_status=True)
    assert state.version == "1.0.1"
    assert state.datastore is not None and state.datastore["sha256"] == sha256(newer.encode())
    data = state.current["data"]["id"]
    total = portal.admin.call("datastore_search", resource_id=data, limit=0)["total"]
    assert total == 5
