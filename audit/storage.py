"""Where signed digests live: a Django storage (`STORAGES["audit_digests"]`), append-only by use.

The product only lists, reads and adds digests; it never overwrites, renames or deletes one.
The default backend is a folder whose writes are atomic (a digest is complete or absent) and
refuse an existing name; any other storage works through the same calls (for S3, a bucket
with object lock in compliance mode, so nobody can delete or replace a digest).
"""

import os
import tempfile

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

from audit import digests
from audit.exceptions import DigestWriteFailed

STORAGE_ALIAS = "audit_digests"


class DigestFileSystemStorage(FileSystemStorage):
    """A folder that never replaces or renames a file, written atomically and durably; its files
    are read-only (mode 0444) unless `file_permissions_mode` says otherwise."""

    def __init__(self, *, file_permissions_mode: int = 0o444, **kwargs):
        super().__init__(file_permissions_mode=file_permissions_mode, **kwargs)

    def get_available_name(self, name, max_length=None):
        return name  # a digest's name is its place in the chain: never another one

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, self.file_permissions_mode)
            os.link(temporary, full_path)  # FileExistsError if the name is taken
        finally:
            os.unlink(temporary)
        directory_descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_descriptor)
        finally:
            os.close(directory_descriptor)
        return name.replace("\\", "/")


def digest_storage() -> Storage:
    """The configured digest storage (read at use: tests and settings modules switch it)."""
    return storages[STORAGE_ALIAS]


def _listdir(storage: Storage, path: str) -> tuple[list[str], list[str]]:
    try:
        return storage.listdir(path)
    except FileNotFoundError:
        return [], []


def names(storage: Storage) -> list[str]:
    """Every digest's name, in chain order (other files, such as temporary ones, are ignored)."""
    buckets = sorted(b for b in _listdir(storage, "")[0] if digests.BUCKET_PATTERN.fullmatch(b))
    found = []
    for bucket in buckets:
        files = _listdir(storage, bucket)[1]
        found.extend(sorted(
            f"{bucket}/{f}" for f in files if digests.NAME_PATTERN.fullmatch(f"{bucket}/{f}")
        ))
    return found


def latest_name(storage: Storage) -> str | None:
    """The last digest's name, listing only the last folder that holds one."""
    buckets = sorted(b for b in _listdir(storage, "")[0] if digests.BUCKET_PATTERN.fullmatch(b))
    for bucket in reversed(buckets):
        files = sorted(
            f for f in _listdir(storage, bucket)[1]
            if digests.NAME_PATTERN.fullmatch(f"{bucket}/{f}")
        )
        if files:
            return f"{bucket}/{files[-1]}"
    return None


def read(storage: Storage, name: str) -> dict:
    """The digest stored as `name`; DigestError if unreadable or named for another range."""
    try:
        with storage.open(name, "rb") as handle:
            data = handle.read()
    except OSError:
        raise digests.DigestError("cannot be read") from None
    document = digests.decode(data)
    if digests.name_for(document["first_event_id"], document["last_event_id"]) != name:
        raise digests.DigestError("is stored under a name that does not match its range")
    return document


def write(storage: Storage, document: dict) -> str:
    """Add `document` under its name; DigestWriteFailed if the name is taken or the write fails."""
    name = digests.name_for(document["first_event_id"], document["last_event_id"])
    try:
        if storage.exists(name):
            raise DigestWriteFailed(f"digest {name} already exists: refusing to replace it")
        saved = storage.save(name, ContentFile(digests.encode(document)))
    except DigestWriteFailed:
        raise
    except Exception as exc:  # any backend's failure: the caller rolls its seal back
        raise DigestWriteFailed(f"could not write digest {name}: {exc}") from exc
    if saved != name:
        raise DigestWriteFailed(f"the digest storage saved {name} as {saved}: configure it "
                                "never to rename (e.g. file_overwrite=False with object lock)")
    return name
