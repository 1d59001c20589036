"""The files a backup, a restore and a transfer carry besides the database, by group:

- `photos`: the photo store's keys (files under the data directory, or an S3-compatible bucket),
  read and written only through the PhotoStore interface. The originals and the display and
  thumbnail copies are all carried: making the copies again after a restore would cost some
  40 ms of CPU a photo, and queueing them would change every photo row (an audited change)
  away from the state the backup counted (docs/operations.md, "Backing up each store").
- `documents`: the units' answers to rectification notices (the setting's document_dir).
- `duties`: the units' answers to the year's duties.

Every file is content-addressed (its name holds its sha256) and never changes once written, and
a file being written is never listed (a dot-file renamed into place, or an object that appears
whole when its PUT completes), so a listing taken at any moment names only whole files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..photos.store import FileStore, PhotoStore, make_store

if TYPE_CHECKING:
    from ..settings import Settings

GROUPS = ("photos", "documents", "duties")


def duty_dir(settings: Settings) -> Path:
    """Where the answers to the year's duties are kept (see server/duties/answers.py)."""
    return settings.data_dir / "duties"


def stores(settings: Settings) -> dict[str, PhotoStore]:
    """Each group's store for an install with these settings."""
    return {
        "photos": make_store(settings),
        "documents": FileStore(settings.document_dir, kinds=None),
        "duties": FileStore(duty_dir(settings), kinds=None),
    }


def district_stores(data_dir: Path) -> dict[str, PhotoStore]:
    """A district's groups, all files under its data directory (the embedded default)."""
    return {
        "photos": FileStore(data_dir / "photos"),
        "documents": FileStore(data_dir / "documents", kinds=None),
        "duties": FileStore(data_dir / "duties", kinds=None),
    }


def where(store: PhotoStore) -> str:
    """The store as an administrator knows it, for messages."""
    if isinstance(store, FileStore):
        return str(store.root)
    return f"bucket {getattr(store, 'bucket', '?')}"


def safe_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def copy_files(
    keys: Iterable[str],
    read: Callable[[str], bytes],
    write: Callable[[str, bytes], None],
    exists: Callable[[str], bool] = lambda _key: False,
) -> dict[str, str]:
    """Copy each key from read to write, unless exists(key) says the destination has it already
    (content-addressed: the same key holds the same bytes). Returns {key: sha256} of the copied."""
    hashes: dict[str, str] = {}
    for key in keys:
        if not safe_name(key):
            raise ValueError(f"not a stored file's name: {key!r}")
        if exists(key):
            continue
        data = read(key)
        hashes[key] = hashlib.sha256(data).hexdigest()
        write(key, data)
    return hashes


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
