"""The photo files as the backup, the restore and the transfer see them: a tree of named files.

Every copy of photo files goes through copy_photos, so that when photos live in another
store (object storage) only this module learns to read and write there. Files are
content-addressed and never change once written, and a file being written is a dot-file
renamed into place, so a listing taken at any moment names only whole photos.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from ..photos.store import write_whole


def list_photos(root: Path) -> list[str]:
    """The photo files under root, as sorted relative paths ("originals/ab/ab12….jpg")."""
    if not root.is_dir():
        return []
    names = []
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            names.append(path.relative_to(root).as_posix())
    return sorted(names)


def safe_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def copy_photos(
    names: Iterable[str],
    read: Callable[[str], bytes],
    write: Callable[[str, bytes], None],
    exists: Callable[[str, str], bool] = lambda _name, _sha: False,
) -> dict[str, str]:
    """Copy each named photo from read to write; returns {name: sha256} of every file named.

    exists(name, sha256) says the destination holds that file already, so it is not written
    again (a transfer run twice copies nothing the second time).
    """
    hashes: dict[str, str] = {}
    for name in names:
        if not safe_name(name):
            raise ValueError(f"not a photo file name: {name!r}")
        data = read(name)
        digest = hashlib.sha256(data).hexdigest()
        hashes[name] = digest
        if not exists(name, digest):
            write(name, data)
    return hashes


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def directory_reader(root: Path) -> Callable[[str], bytes]:
    return lambda name: (root / name).read_bytes()


def directory_writer(root: Path) -> Callable[[str, bytes], None]:
    return lambda name, data: write_whole(root / name, data)


def directory_has(root: Path) -> Callable[[str, str], bool]:
    def exists(name: str, sha256: str) -> bool:
        path = root / name
        return path.is_file() and file_sha256(path) == sha256

    return exists
