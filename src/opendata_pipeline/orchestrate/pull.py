"""The pull step of ``prefect.yaml``: run a deployment inside its catalogue project."""

from __future__ import annotations

import os

from ..project import Project
from ..settings import load_settings


def enter_project() -> dict[str, str]:
    """Change into the catalogue project (``$ODP_PROJECT``, else the one found from here).

    A worker started inside the project, or one whose ``odp`` is installed from the
    project (as in this repository's ``.venv``), needs no path in ``prefect.yaml``.
    """
    root = Project.find(load_settings().project).root
    os.chdir(root)
    return {"directory": str(root)}
