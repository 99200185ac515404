"""CKAN plugin: typed, atomic DataStore loads for the open-data pipeline.

Actions:
    odp_datastore_load: COPY an uploaded CSV into a new table and swap it in
        (one transaction), or stage it hidden and swap it in later; idempotent by
        ``token``, refused when the resource's metadata names another sha256.
        With ``copy_from`` (a resource whose table holds the same load), the rows
        are copied inside the database instead of uploaded again.
    odp_datastore_status: the load record of a resource's table.

Both check the same permissions as ``datastore_create`` / ``datastore_info``,
so an organization editor's token is enough.

Uploads of the resources the publisher manages are stored by sha256
(``blobs.BlobResourceUpload``), so that a version's metadata commit switches
its files too.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import blobs, loader

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


def _metadata_sha256(resource_id: str) -> str | None:
    """The sha256 the portal's committed metadata names for the resource, read afresh."""
    from ckan import model

    model.Session.expire_all()
    resource = model.Session.get(model.Resource, resource_id)
    if resource is None:
        return None
    value = (resource.extras or {}).get("sha256")
    return value if isinstance(value, str) else None


def odp_datastore_load(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Load the uploaded CSV into the resource's DataStore table, atomically.

    Params: resource_id, token, fields (JSON list of {id, type, info}),
    primary_key (JSON list), upload (the CSV file), record (JSON object kept
    with the table, its ``sha256`` the version the load belongs to),
    full_text_max_rows (optional int), stage (optional bool).

    With ``stage`` the table is built and committed hidden, not swapped in: do that
    before the version's metadata commit, then call again without ``stage`` and
    without ``upload`` to swap it in. A swap (or a load without ``stage``) is a
    compare-and-swap: it is refused (``superseded``) unless the resource's metadata
    still names the ``sha256`` of ``record``; it answers ``missing_stage`` when no
    upload came and nothing was staged for ``token``.

    ``copy_from`` (optional, instead of ``upload``): the id of a resource whose table
    holds this very load (same ``token`` and columns); its rows are copied inside the
    database. Answered with ``missing_source`` when that table does not hold it.
    """
    resource_id = tk.get_or_bust(data_dict, "resource_id")
    token = tk.get_or_bust(data_dict, "token")
    tk.check_access("datastore_create", context, {"resource_id": resource_id})
    resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
    fields = _json_param(data_dict, "fields", [])
    primary_key = _json_param(data_dict, "primary_key", [])
    record = dict(_json_param(data_dict, "record", {}), token=token)
    upload = data_dict.get("upload")
    copy_from = data_dict.get("copy_from") or None
    stage_only = tk.asbool(data_dict.get("stage", False))
    if copy_from is not None:
        if upload is not None or stage_only or not isinstance(copy_from, str):
            raise tk.ValidationError({"copy_from": ["a resource id, without upload or stage"]})
        tk.check_access("datastore_info", context, {"id": copy_from, "resource_id": copy_from})
    if upload is not None and not hasattr(upload, "stream"):
        raise tk.ValidationError({"upload": ["must be a CSV file"]})
    if stage_only and upload is None:
        raise tk.ValidationError({"upload": ["a CSV file is required to stage a load"]})
    try:
        loader.check_fields(fields, primary_key)
    except ValueError as exc:
        raise tk.ValidationError({"fields": [str(exc)]}) from None
    max_rows = int(
        data_dict.get("full_text_max_rows")
        or tk.config.get("ckanext.odp.full_text_max_rows", 200000)
    )
    fts = (
        tk.config.get("ckan.datastore.default_fts_lang") or "english",
        tk.config.get("ckan.datastore.default_fts_index_method") or "gist",
    )
    conn = _write_connection()
    try:
        if stage_only:
            result = loader.stage(
                conn, resource_id, token, fields, primary_key, upload.stream, record, *fts, max_rows
            )
            return dict(result, loaded=False, staged=True)
        with conn.cursor() as cur:
            loader.lock(cur, resource_id)
            current = _metadata_sha256(resource_id)
            wanted = record.get("sha256")
            if wanted and current and wanted != current:
                conn.rollback()
                return {"loaded": False, "superseded": True, "token": token, "sha256": current}
            if loader.table_status(cur, resource_id).get("token") == token:
                conn.rollback()
                return {"loaded": False, "token": token}
            if copy_from is not None and not loader.same_load(cur, copy_from, token, fields):
                conn.rollback()
                return {"loaded": False, "missing_source": True, "token": token}
            if upload is None and copy_from is None and not loader.staged(cur, resource_id, token):
                conn.rollback()
                return {"loaded": False, "missing_stage": True, "token": token}
        source = upload.stream if upload is not None else copy_from
        result = loader.load(
            conn,
            resource_id,
            fields,
            primary_key,
            source,
            record,
            *fts,
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
    p.implements(p.IUploader, inherit=True)

    def get_actions(self) -> dict[str, Any]:
        return {
            "odp_datastore_load": odp_datastore_load,
            "odp_datastore_status": odp_datastore_status,
        }

    def get_uploader(self, upload_to: str, old_filename: str | None = None) -> Any:
        return None

    def get_resource_uploader(self, data_dict: dict[str, Any]) -> Any:
        """Managed resources' files are stored by sha256 (``blobs``); others as CKAN does."""
        return blobs.uploader(data_dict)
