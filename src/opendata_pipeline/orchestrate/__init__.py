"""Prefect orchestration: tasks, parameters, artifacts and run helpers for ``flows/``.

Everything Prefect-specific lives here and in ``flows/``; the steps it wraps
(gather, validate, plan, apply) know nothing about Prefect.
"""

#: Flow runs send a heartbeat this often (seconds), on every path: the ``odp`` command
#: line sets it for its in-process runs, deployments for their worker's runs. The crash
#: automation (``notifications``) waits a profile's ``crash_after`` (at least 60 s), so
#: Prefect's default of 180 s would mark long healthy runs as crashed.
HEARTBEAT_SECONDS = 30
