"""CKAN plugin ``odp_labels``: pages a person can read, in German.

The dataset page shows the extras with German labels, at most the newest
archived versions (the version history lists all), a resource page its fields
in German and readable texts without an empty preview, the group page the
catalogue data package after the tables; home and "Über uns" say what the
portal offers. Only the presentation changes (templates and helpers); the API
keeps returning the machine values the publisher wrote.
"""

from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import labels, pages


def odp_extra_rows(extras: list[dict[str, Any]]) -> list[labels.Row]:
    """Rows (label, text, link) for the dataset's "Zusätzliche Informationen"."""
    return labels.rows(extras or [])


class OdpLabelsPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITemplateHelpers)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")

    def get_helpers(self) -> dict[str, Any]:
        return {
            "odp_extra_rows": odp_extra_rows,
            "odp_resource_rows": pages.resource_rows,
            "odp_resource_listing": pages.resource_listing,
            "odp_tables_first": pages.tables_first,
            "odp_readable_roles": lambda: pages.READABLE_ROLES,
        }
