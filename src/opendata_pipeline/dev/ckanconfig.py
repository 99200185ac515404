"""The ``ckan.ini`` settings this project writes for a local portal instance."""

from __future__ import annotations

import configparser
import os
from pathlib import Path
from typing import Any

from .kind import STOCK_PLUGINS
from .layout import Layout
from .services import PG_HOST, PG_PORT, REDIS_HOST, REDIS_PORT

PLUGINS = (
    "activity datastore odp_publish odp_labels odp_auth pgsearch dcat dcat_json_interface "
    "structured_data datatables_view text_view"
)


LEAST_PRIVILEGE = {
    # Organizations and groups are created and deleted by sysadmins only (bootstrap).
    "ckan.auth.user_create_organizations": "false",
    "ckan.auth.user_delete_organizations": "false",
    "ckan.auth.user_create_groups": "false",
    "ckan.auth.user_delete_groups": "false",
    # Datasets belong to an organization whose editor creates them.
    "ckan.auth.create_dataset_if_not_in_organization": "false",
    "ckan.auth.create_unowned_dataset": "false",
    # No anonymous user list or user pages (which accounts exist, which is sysadmin).
    "ckan.auth.public_user_details": "false",
    "ckan.auth.public_activity_stream_detail": "false",
}
"""CKAN's authorization settings of the local portal: each right only where it is needed.
Group members add or remove only datasets they may edit (plugin ``odp_auth``)."""


def ckan_settings(layout: Layout, state: dict[str, Any]) -> dict[str, str]:
    """Return the ``[app:main]`` settings this project sets in ckan.ini."""
    if layout.kind.stock:
        return {**infrastructure(layout, state), **stock_settings(layout)}
    return {**infrastructure(layout, state), **project_settings(layout)}


def infrastructure(layout: Layout, state: dict[str, Any]) -> dict[str, str]:
    """Where CKAN finds its databases, Redis, files and itself: every portal sets these."""
    rw = f"postgresql://{layout.role_rw}:{state['password_rw']}@{PG_HOST}:{PG_PORT}"
    ro = f"postgresql://{layout.role_ro}:{state['password_ro']}@{PG_HOST}:{PG_PORT}"
    return {
        "sqlalchemy.url": f"{rw}/{layout.db_main}",
        "ckan.datastore.write_url": f"{rw}/{layout.db_datastore}",
        "ckan.datastore.read_url": f"{ro}/{layout.db_datastore}",
        "ckan.site_url": layout.url,
        "ckan.site_id": layout.site_id,
        "ckan.storage_path": str(layout.storage),
        "ckan.redis.url": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        # Solr cannot be installed here: ckanext-pgsearch replaces it (ckan.plugins).
        "solr_url": "http://127.0.0.1:1/solr-is-replaced-by-pgsearch",
    }


def stock_settings(layout: Layout) -> dict[str, str]:
    """A stock municipal portal: CKAN's defaults plus exactly what such a portal configures.

    The DataStore and its table view, ckanext-dcat (its default profiles), the
    dcat-ap.de licence list, uploads up to 1 GB, and pgsearch for Solr (``STOCK_PLUGINS``);
    every other setting keeps ``ckan generate config``'s value.
    """
    settings = {
        "ckan.plugins": STOCK_PLUGINS,
        "ckan.max_resource_size": "1024",
        "licenses_group_url": _licenses(layout),
    }
    if layout.kind.xloader:
        # xloader's own settings: its job database, and the token it calls the API with
        settings["ckan.plugins"] += " xloader"
        settings["ckanext.xloader.jobs_db.uri"] = f"sqlite:///{layout.instance_dir}/xloader.db"
        if layout.admin_token_file.exists():
            token = layout.admin_token_file.read_text().strip()
            settings["ckanext.xloader.api_token"] = token
    return settings


def project_settings(layout: Layout) -> dict[str, str]:
    """This project's portal: ckanext-odp, German, DCAT-AP.de 3.0."""
    return {
        "ckan.site_title": "Open Data (lokales Portal)",
        "ckan.plugins": PLUGINS,
        "ckan.views.default_views": "datatables_view text_view",
        "ckan.max_resource_size": "2048",
        "ckan.auth.create_user_via_web": "false",
        **LEAST_PRIVILEGE,
        "ckan.datastore.default_fts_lang": "german",
        "ckan.locale_default": "de",
        "ckan.locales_offered": "de en",
        "debug": "false",
        # DCAT-AP 3 plus this project's DCAT-AP.de 3.0 additions.
        "ckanext.dcat.rdf.profiles": "euro_dcat_ap_3 dcatap_de",
        "ckanext.dcat.resource.inherit.license": "true",
        # The dataset page labels the extras itself (odp_labels), in German.
        "ckanext.dcat.translate_keys": "false",
        "ckan.site_description": "Offene Daten, veröffentlicht mit opendata-pipeline.",
        # The dcat-ap.de licence list: titles, URIs, open-data flags.
        "licenses_group_url": _licenses(layout),
        "ckanext.dcat.enable_content_negotiation": "false",
    }


def _licenses(layout: Layout) -> str:
    return f"file://{layout.assets / 'licenses' / 'dcat-ap-de.json'}"


def patch_ini(path: Path, settings: dict[str, str]) -> None:
    """Set keys of ``[app:main]`` in an ini file that ``ckan generate config`` wrote."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    for key, value in settings.items():
        parser.set("app:main", key, value)
    # Log to the instance's log file only at INFO and above.
    if parser.has_section("logger_ckan"):
        parser.set("logger_ckan", "level", "INFO")
    with open(path, "w") as fh:
        parser.write(fh)
    os.chmod(path, 0o600)
