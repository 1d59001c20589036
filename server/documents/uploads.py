"""Documents people upload (a unit's answer to a notice): PDF, JPEG, PNG or DOCX, told apart by
their bytes, never by the name or the declared type, and kept under the data dir by their sha256.

What a file claims to be is not trusted: a web page renamed `answer.pdf`, a program renamed
`.docx` or a ZIP that is not a Word document is refused (415), as is anything over the size
limit (413), before anything is written. The stored file is served back with the type its bytes
showed, as an attachment and with `nosniff`, so a browser never runs what it holds.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Invalid, TooLarge, Unsupported
from ..i18n import gettext as _
from ..photos.store import write_whole

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: "pdf", DOCX: "docx", JPEG: "jpg", PNG: "png"}
# A DOCX is a ZIP with these parts; its directory is read, nothing is extracted.
DOCX_PARTS = ("[Content_Types].xml", "word/document.xml")
MAX_ZIP_ENTRIES = 10_000
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Document:
    name: str
    media_type: str
    size: int
    sha256: str
    data: bytes


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return len(names) <= MAX_ZIP_ENTRIES and all(part in names for part in DOCX_PARTS)


def sniff(data: bytes) -> str | None:
    """The document's type from its first bytes (and, for a ZIP, its directory); None otherwise."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return DOCX
    return None


def clean_name(name: str, media_type: str) -> str:
    """The file's name as shown to people: no path, no control characters, the right extension."""
    base = os.path.basename(unicodedata.normalize("NFC", name or "").replace("\\", "/"))
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip() or "document"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:150]}.{EXTENSIONS[media_type]}"


def check_document(data: bytes, name: str, field: str, limit: int) -> Document:
    """The upload as a Document, or 413/415/422 naming `field`."""
    if not data:
        raise Invalid(
            _("The document is empty."), errors=[{"field": field, "message": _("The file has no content.")}]
        )
    if len(data) > limit:
        message = _(
            "The document is %(size).1f MB; the limit is %(limit).1f MB.",
            size=len(data) / 1048576,
            limit=limit / 1048576,
        )
        raise TooLarge(message, errors=[{"field": field, "message": message}])
    media_type = sniff(data)
    if media_type is None:
        message = _("Only a PDF, a JPEG or PNG image, or a Word (DOCX) document can be attached.")
        raise Unsupported(message, errors=[{"field": field, "message": message}])
    return Document(
        clean_name(name, media_type), media_type, len(data), hashlib.sha256(data).hexdigest(), data
    )


async def read_upload(upload: Any, field: str, limit: int) -> Document | None:
    """A form's file part as a Document; None when no file was chosen. Only `limit` + 1 bytes are
    read, so an oversize part is refused without holding it in memory."""
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        return None
    await upload.seek(0)
    data = await upload.read(limit + 1)
    if not data:
        return None
    return check_document(data, upload.filename, field, limit)


class DocumentStore:
    """Uploaded documents under `root`, named by their sha256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError(sha256)
        return self.root / sha256[:2] / sha256

    def save(self, document: Document) -> None:
        write_whole(self.path(document.sha256), document.data)

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()
