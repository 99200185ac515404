"""Deployment steps for ``prefect.yaml``: run flows from the checkout this package belongs to."""

from __future__ import annotations

import os

from ..localportal.layout import project_root


def enter_project() -> dict[str, str]:
    """Pull step: change into the checkout (where ``flows/``, ``datasets/`` and ``schemas/`` are).

    The worker's Python is the checkout's ``.venv``, so the installed package knows
    which checkout that is; a fresh clone needs no path in ``prefect.yaml``.
    """
    root = project_root()
    os.chdir(root)
    return {"directory": str(root)}
