"""Prefect orchestration: tasks, parameters, artifacts and run helpers for ``flows/``.

Everything Prefect-specific lives here and in ``flows/``; the steps it wraps
(gather, validate, plan, apply) know nothing about Prefect.
"""

#: The publishing flows send a heartbeat this often (seconds; ``heartbeat``), wherever
#: they run. The crash automation (``notifications``) waits a profile's ``crash_after``
#: (at least 60 s), so Prefect's default of 180 s would mark long healthy runs as crashed.
HEARTBEAT_SECONDS = 30
