"""CKAN plugin: typed, atomic DataStore loads for the open-data pipeline.

Actions:
    odp_datastore_load: COPY an uploaded CSV into a new table and swap it in
        (one transaction); idempotent by ``token``.
    odp_datastore_status: the load record of a resource's table.

Both check the same permissions as ``datastore_create`` / ``datastore_info``,
so an organization editor's token is enough.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import loader

log = logging.getLogger(__name__)


def _json_param(data_dict: dict[str, Any], key: str, default: Any) -> Any:
    value = data_dict.get(key, default)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise tk.ValidationError({key: ["must be JSON"]}) from None
    return value


def _write_connection() -> Any:
    from ckanext.datastore.backend.postgres import get_write_engine

    return get_write_engine().raw_connection()


def odp_datastore_status(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Return the load record of a resource's DataStore table ({} if none)."""
    resource_id = tk.get_or_bust(data_dict, "resource_id")
    tk.check_access("datastore_info", context, {"id": resource_id, "resource_id": resource_id})
    conn = _write_connection()
    try:
        with conn.cursor() as cur:
            return loader.table_status(cur, resource_id)
    finally:
        conn.close()


def odp_datastore_load(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Load the uploaded CSV into the resource's DataStore table, atomically.

    Params: resource_id, token, fields (JSON list of {id, type, info}),
    primary_key (JSON list), upload (the CSV file), record (JSON object kept
    with the table), full_text_max_rows (optional int).
    """
    resource_id = tk.get_or_bust(data_dict, "resource_id")
    token = tk.get_or_bust(data_dict, "token")
    tk.check_access("datastore_create", context, {"resource_id": resource_id})
    resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
    fields = _json_param(data_dict, "fields", [])
    primary_key = _json_param(data_dict, "primary_key", [])
    record = dict(_json_param(data_dict, "record", {}), token=token)
    upload = data_dict.get("upload")
    if upload is None or not hasattr(upload, "stream"):
        raise tk.ValidationError({"upload": ["a CSV file is required"]})
    try:
        loader.check_fields(fields, primary_key)
    except ValueError as exc:
        raise tk.ValidationError({"fields": [str(exc)]}) from None
    max_rows = int(
        data_dict.get("full_text_max_rows")
        or tk.config.get("ckanext.odp.full_text_max_rows", 200000)
    )
    conn = _write_connection()
    try:
        with conn.cursor() as cur:
            if loader.table_status(cur, resource_id).get("token") == token:
                return {"loaded": False, "token": token}
        conn.rollback()
        result = loader.load(
            conn,
            resource_id,
            fields,
            primary_key,
            upload.stream,
            record,
            tk.config.get("ckan.datastore.default_fts_lang") or "english",
            tk.config.get("ckan.datastore.default_fts_index_method") or "gist",
            max_rows,
        )
    except Exception as exc:
        conn.rollback()
        message = str(getattr(exc, "pgerror", None) or exc).strip()
        log.warning("odp_datastore_load %s failed: %s", resource_id, message)
        raise tk.ValidationError({"upload": [message]}) from None
    finally:
        conn.close()
    if not tk.asbool(resource.get("datastore_active")):
        tk.get_action("resource_patch")(
            tk.fresh_context(context), {"id": resource_id, "datastore_active": True}
        )
    return dict(result, loaded=True)


class OdpPublishPlugin(p.SingletonPlugin):
    p.implements(p.IActions)

    def get_actions(self) -> dict[str, Any]:
        return {
            "odp_datastore_load": odp_datastore_load,
            "odp_datastore_status": odp_datastore_status,
        }
