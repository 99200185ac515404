"""Content-addressed storage of uploaded files: a new version never overwrites the served one.

CKAN stores a resource's upload under its id and overwrites it in place when the
resource gets a new file. ``package_revise`` writes the files before it commits
the metadata, so a portal that dies between the two serves the new bytes under
the old metadata. For resources the publisher manages (``odp_role`` and a
``sha256``), this uploader stores each file under ``<id>.<sha256>`` instead and
serves the one the committed metadata names: the metadata commit is the switch.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from typing import Any

import ckan.logic as logic
from ckan.common import config
from ckan.lib import files
from ckan.lib.uploader import FKResourceUpload, ResourceUpload, _copy_file

_SHA256 = re.compile(r"[0-9a-f]{64}")


def blob_sha256(resource: dict[str, Any]) -> str | None:
    """The sha256 a managed resource's file is stored under (None: CKAN's own storage)."""
    value = resource.get("sha256")
    if resource.get("odp_role") and isinstance(value, str) and _SHA256.fullmatch(value):
        return value
    return None


def storage_configured() -> bool:
    """CKAN 2.12's file storage for resources is configured (this uploader builds on it)."""
    try:
        files.get_storage(config["ckan.files.default_storages.resource"])
    except (files.exc.UnknownStorageError, KeyError):
        return False
    return True


def _check(body: Any, sha256: str) -> None:
    """Refuse an upload whose bytes are not the sha256 its metadata names."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(1 << 20), b""):
        digest.update(chunk)
    body.seek(0)
    if digest.hexdigest() != sha256:
        raise logic.ValidationError({"upload": [f"content does not match its sha256 {sha256}"]})


def uploader(resource: dict[str, Any]) -> Any:
    """The blob uploader for a managed resource (None: CKAN's own uploader)."""
    if blob_sha256(resource) is None:
        return None
    return BlobResourceUpload(resource) if storage_configured() else BlobPathUpload(resource)


class BlobPathUpload(ResourceUpload):
    """Store and serve a managed resource's file by sha256 (CKAN's ``ckan.storage_path``)."""

    def __init__(self, resource: dict[str, Any]) -> None:
        self.sha256 = blob_sha256(resource)
        super().__init__(resource)

    def _blob(self, id: str) -> str:
        path = f"{super().get_path(id)}.{self.sha256}"
        if path != os.path.realpath(path):
            raise logic.ValidationError({"upload": ["Invalid storage path"]})
        return path

    def get_path(self, id: str) -> str:
        if self.sha256 is None or self.storage_path is None:
            return super().get_path(id)
        blob = self._blob(id)
        if getattr(self, "filename", None) or os.path.exists(blob):
            return blob
        return super().get_path(id)  # a file stored before this uploader existed

    def upload(self, id: str, max_size: int = 10) -> None:
        if self.sha256 is None or not self.storage_path or not self.filename:
            return super().upload(id, max_size)
        _check(self.upload_file, self.sha256)
        blob = self._blob(id)
        os.makedirs(self.get_directory(id), exist_ok=True)
        # Written beside, then renamed: a crash never leaves a torn file under the blob's name.
        part = f"{blob}.part-{uuid.uuid4().hex}"
        try:
            with open(part, "wb") as out:
                _copy_file(self.upload_file, out, max_size)
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, blob)
        except BaseException:
            if os.path.exists(part):
                os.remove(part)
            raise
        finally:
            self.upload_file.close()


class BlobResourceUpload(FKResourceUpload):
    """Store and serve a managed resource's file by sha256 (CKAN 2.12's file storage)."""

    def __init__(self, resource: dict[str, Any]) -> None:
        self.sha256 = blob_sha256(resource)
        super().__init__(resource)

    def _blob(self, id: str) -> Any:
        base = super().get_path(id)
        wanted = f"{base}.{self.sha256}"
        assert self.storage is not None
        location = self.storage.prepare_location(wanted)
        if location != wanted:
            raise logic.ValidationError({"upload": ["Invalid storage path"]})
        return location

    def get_path(self, id: str) -> Any:
        if self.sha256 is None or self.storage is None:
            return super().get_path(id)
        blob = self._blob(id)
        if self.filename or self.storage.exists(files.FileData(blob)):
            return blob
        return super().get_path(id)  # a file stored before this uploader existed

    def upload(self, id: str, max_size: int = 10) -> None:
        if (
            self.sha256 is None
            or not self.filename
            or not self.storage
            or not config["ckan.uploads_enabled"]
        ):
            return super().upload(id, max_size)
        _check(self.upload_file.stream, self.sha256)
        blob = self._blob(id)
        full_path = getattr(self.storage, "full_path", None)
        # Written beside, then renamed: a crash never leaves a torn file under the blob's name.
        target = self.storage.prepare_location(f"{blob}.part-{uuid.uuid4().hex}")
        if full_path is None:
            target = blob
        try:
            self.storage.upload(target, self.upload_file)
        except (files.exc.LargeUploadError, files.exc.ExistingFileError) as err:
            raise logic.ValidationError({"upload": [str(err)]}) from None
        if full_path is not None:
            os.replace(full_path(target), full_path(blob))
