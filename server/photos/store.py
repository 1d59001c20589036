"""Where photo bytes live: one interface, two stores (files under the data directory, or an
S3-compatible bucket), content-addressed by the original's sha256.

Keys are relative paths: `originals/ab/<sha256>.<ext>` is private (only the office may download
it); `display/ab/<sha256>.jpg` and `thumb/ab/<sha256>.jpg` hold the copies made in the background,
with no metadata left. Content addressing makes a retried upload or a repeated derivation
harmless: the same bytes land under the same key. A key is either absent or holds its whole
bytes: a reader never sees a half-written photo.

Every method is synchronous and may block (disk or network): the server calls them in a worker
thread. Backups and transfers copy photos through `keys`, `get` and `put`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..settings import Settings

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}
SIZES = ("display", "thumb")
KINDS = ("originals", *SIZES)


def write_whole(path: Path, data: bytes) -> bool:
    """Write `data` to `path` whole or not at all; False when it was already there (files are
    content-addressed: the same name holds the same bytes). The temporary name starts with a dot,
    so a listing (and a backup) never takes it for a stored file."""
    if path.exists() and path.stat().st_size == len(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: a reader sees no file or the whole file
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
    return True


class PhotoMissing(LookupError):
    """No photo is stored under the key."""


def original_key(sha256: str, media_type: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}.{EXTENSIONS.get(media_type, 'bin')}"


def derived_key(size: str, sha256: str) -> str:
    if size not in SIZES:
        raise ValueError(size)
    return f"{size}/{sha256[:2]}/{sha256}.jpg"


class PhotoStore(Protocol):
    """What the server, backups and transfers need of a photo store."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` durably, whole or not at all (OSError when it cannot)."""

    def get(self, key: str) -> bytes:
        """The bytes under `key`; PhotoMissing when there are none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the key; no error when it is already gone."""

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key starting with `prefix` (temporary names never appear)."""

    def local_path(self, key: str) -> Path | None:
        """A file to serve the key from directly, when the store has one (else None)."""


class FileStore:
    """Files under a directory: written to a temporary name, fsynced, renamed into place.

    `kinds` are the top folders a key may start with; None takes any key under the root (the
    backup keeps the uploaded documents' trees through the same class)."""

    def __init__(self, root: Path, kinds: tuple[str, ...] | None = KINDS) -> None:
        self.root = root
        self.kinds = kinds

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if (
            not key
            or (self.kinds is not None and parts[0] not in self.kinds)
            or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
        ):
            raise ValueError(f"not a stored file's key: {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if write_whole(path, data):
            _fsync_dir(path.parent)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise PhotoMissing(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        for folder in [self.root / kind for kind in self.kinds] if self.kinds is not None else [self.root]:
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    key = path.relative_to(self.root).as_posix()
                    if key.startswith(prefix):
                        yield key

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


def _fsync_dir(folder: Path) -> None:
    # The rename itself is durable only once the directory entry is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def make_store(settings: Settings) -> PhotoStore:
    """The store the settings name: files under the data directory, or an S3-compatible bucket."""
    if settings.photo_store == "s3":
        from .s3store import S3Store  # boto3 is loaded only by deployments that use it

        return S3Store.from_settings(settings)
    return FileStore(settings.photo_dir)
