"""Photo files under the data dir, content-addressed by the original's sha256.

originals/ is private (only the office may download it); display/ and thumb/ hold the
processed copies with no metadata left. Content addressing makes a retried upload
harmless: the same bytes land on the same names.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}
SIZES = ("display", "thumb")


def write_whole(path: Path, data: bytes) -> bool:
    """Write `data` to `path` whole or not at all; False when it was already there."""
    if path.exists() and path.stat().st_size == len(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
    return True


class PhotoStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, kind: str, sha256: str, ext: str) -> Path:
        return self.root / kind / sha256[:2] / f"{sha256}.{ext}"

    def original_path(self, sha256: str, media_type: str) -> Path:
        return self._path("originals", sha256, EXTENSIONS.get(media_type, "bin"))

    def derived_path(self, size: str, sha256: str) -> Path:
        if size not in SIZES:
            raise ValueError(size)
        return self._path(size, sha256, "jpg")

    def save(self, sha256: str, media_type: str, original: bytes, display: bytes, thumb: bytes) -> None:
        """All three files or none: when one cannot be written (a full or read-only disk), those this
        call wrote are removed again, so a failed upload leaves no orphan behind."""
        written: list[Path] = []
        try:
            for path, data in (
                (self.original_path(sha256, media_type), original),
                (self.derived_path("display", sha256), display),
                (self.derived_path("thumb", sha256), thumb),
            ):
                if write_whole(path, data):
                    written.append(path)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
