"""Documents people upload (a unit's answer to a notice or to a duty), told apart by their bytes,
never by the name or the declared type, kept under the data dir by their sha256 and served back
only as attachments.

What a file claims to be is not trusted: a web page renamed `answer.pdf`, a program renamed
`.docx`, a ZIP that is not a Word or Excel document, a Word file with macros or a PDF cut short is
refused (415, saying what the file looks like), as is anything over the feature's size limit (413,
before the body is read when its length is declared, else while it streams in). Each feature names
the kinds it takes (`Accepted`) and its own size setting; the checks are the same for all.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar import Request, Response

from ..errors import TooLarge, Unsupported
from ..i18n import gettext as _
from ..labels import N_
from ..photos.store import write_whole
from .download import PDF, XLSX, download, safe_filename

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JPEG = "image/jpeg"
PNG = "image/png"
# The main part's content type of a Word document and of an Excel workbook without macros; the
# macro-enabled kinds (.docm, .xlsm) name another one and are refused.
_WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# [Content_Types].xml is a few kilobytes; a larger one is not an Office file we read.
_MAX_CONTENT_TYPES_BYTES = 256 * 1024
MAX_ZIP_ENTRIES = 10_000
_SHA = re.compile(r"^[0-9a-f]{64}$")
# What a name's last dotted part must look like to be taken for an extension (and replaced).
_EXTENSION = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]{1,5}$")


@dataclass(frozen=True)
class Kind:
    """A kind of document: its type, its extension (and the other spellings of it), and how a
    refusal names it when a feature does not take it."""

    media_type: str
    extension: str
    looks: str
    aliases: tuple[str, ...] = ()


PDF_KIND = Kind(PDF, "pdf", N_("a PDF document"))
DOCX_KIND = Kind(DOCX, "docx", N_("a Word (DOCX) document"))
XLSX_KIND = Kind(XLSX, "xlsx", N_("an Excel (XLSX) workbook"))
JPEG_KIND = Kind(JPEG, "jpg", N_("a JPEG image"), ("jpeg",))
PNG_KIND = Kind(PNG, "png", N_("a PNG image"))
KINDS = (PDF_KIND, DOCX_KIND, XLSX_KIND, JPEG_KIND, PNG_KIND)


@dataclass(frozen=True)
class Accepted:
    """The kinds a feature takes, named for people (`names`, marked for translation) and for the
    file input's hint to the browser (`attribute`; what counts is the content)."""

    kinds: tuple[Kind, ...]
    names: str

    @property
    def attribute(self) -> str:
        extensions = [e for k in self.kinds for e in (k.extension, *k.aliases)]
        return ",".join([f".{e}" for e in extensions] + [k.media_type for k in self.kinds])


@dataclass(frozen=True)
class Document:
    name: str
    media_type: str
    size: int
    sha256: str
    data: bytes


class NotADocument(Exception):
    """The bytes are none of the kinds read here; `looks` says what they look like instead."""

    def __init__(self, looks: str) -> None:
        super().__init__(looks)
        self.looks = looks


def _office_kind(data: bytes) -> Kind:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if len(names) > MAX_ZIP_ENTRIES or "[Content_Types].xml" not in names:
            raise NotADocument(N_("a zip archive, not a Word or Excel document"))
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > _MAX_CONTENT_TYPES_BYTES:
            raise NotADocument(N_("not a Word or Excel document that can be read"))
        content_types = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError):
        raise NotADocument(N_("a damaged or incomplete zip archive")) from None
    if "word/document.xml" in names and _WORD_MAIN in content_types:
        return DOCX_KIND
    if "xl/workbook.xml" in names and _EXCEL_MAIN in content_types:
        return XLSX_KIND
    if b"macroEnabled" in content_types:
        raise NotADocument(N_("an Office document with macros (DOCM or XLSM)"))
    raise NotADocument(N_("a zip archive, not a Word or Excel document"))


def sniff(data: bytes) -> Kind:
    """The document's kind from its bytes (for a zip, its list of parts and their declared types);
    NotADocument saying what it looks like otherwise."""
    if not data:
        raise NotADocument(N_("empty"))
    if data.startswith(b"%PDF-"):
        # A PDF ends with its trailer's %%EOF; without one the upload was cut short.
        if b"%%EOF" not in data[-4096:]:
            raise NotADocument(N_("an incomplete PDF (its end is missing)"))
        return PDF_KIND
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG_KIND
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG_KIND
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise NotADocument(N_("an old-format Word or Excel file (DOC or XLS): save it as DOCX or XLSX"))
    if data.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        raise NotADocument(N_("a program"))
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml")):
        raise NotADocument(N_("a web page or markup (HTML, SVG or XML)"))
    raise NotADocument(N_("of a kind that cannot be read as a document"))


def too_large(size: int | None, limit: int, field: str) -> TooLarge:
    """413 naming `field`; `size` None when the body was cut off while it streamed in."""
    if size is None:
        message = _("The file is larger than the limit of %(limit).0f MB.", limit=limit / 2**20)
    else:
        message = _(
            "The file is %(size).1f MB; the limit is %(limit).0f MB.", size=size / 2**20, limit=limit / 2**20
        )
    return TooLarge(message, errors=[{"field": field, "message": message}])


def refused(looks: str, accepted: Accepted, field: str) -> Unsupported:
    message = _(
        "The file is %(what)s. Send the document as %(kinds)s.", what=_(looks), kinds=_(accepted.names)
    )
    return Unsupported(message, errors=[{"field": field, "message": message}])


def document_name(filename: str | None, kind: Kind, fallback: str) -> str:
    """The name the sender gave, made safe (no path, no control or separator characters), with the
    extension of what the file really is in place of any other."""
    # Half a character (a lone surrogate from a badly encoded query) is no name any database keeps.
    raw = (filename or "").encode("utf-8", "ignore").decode().replace("\\", "/")
    name = safe_filename(os.path.basename(raw)) if raw.strip() else ""
    if not name or name == "download":
        name = safe_filename(fallback)
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in (kind.extension, *kind.aliases):
        return name
    if dot and stem and _EXTENSION.match(ext):
        name = stem
    return f"{name[:150]}.{kind.extension}"


def check_document(
    data: bytes, filename: str | None, accepted: Accepted, limit: int, *, field: str, fallback: str
) -> Document:
    """The upload as a Document of one of the `accepted` kinds, or 413/415 naming `field`."""
    if len(data) > limit:
        raise too_large(len(data), limit, field)
    try:
        kind = sniff(data)
    except NotADocument as exc:
        raise refused(exc.looks, accepted, field) from None
    if kind not in accepted.kinds:
        raise refused(kind.looks, accepted, field)
    name = document_name(filename, kind, fallback)
    return Document(name, kind.media_type, len(data), hashlib.sha256(data).hexdigest(), data)


async def read_part(upload: Any, limit: int) -> tuple[bytes, str | None] | None:
    """A form's file part's bytes (at most `limit` + 1 of them, so an oversize part is known
    without being held whole) and its name; None when no file was chosen."""
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        return None
    await upload.seek(0)
    return await upload.read(limit + 1), upload.filename


async def read_upload(
    upload: Any, accepted: Accepted, limit: int, *, field: str, fallback: str
) -> Document | None:
    """An optional form file as a Document; None when no file was chosen (an empty file chosen
    is refused as any other that is no document)."""
    part = await read_part(upload, limit)
    if part is None:
        return None
    return check_document(part[0], part[1], accepted, limit, field=field, fallback=fallback)


async def read_body(request: Request[Any, Any, Any], limit: int, field: str) -> bytes:
    """The body, refused with 413 as soon as it is known to be over `limit`: from its declared
    length before a byte is read, else while it streams in."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(int(declared), limit, field)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(None, limit, field)
        chunks.append(chunk)
    return b"".join(chunks)


def document_response(data: bytes, name: str, media_type: str, ascii_name: str) -> Response[bytes]:
    """A stored document for the browser to save, never to show: an attachment, of a type checked
    when it came in (anything else goes as bytes), with `nosniff` and no caching."""
    known = media_type if any(k.media_type == media_type for k in KINDS) else "application/octet-stream"
    return download(data, name, known, ascii_name=ascii_name)


class DocumentStore:
    """Uploaded documents under `root`, named by their sha256: written whole (a temporary file,
    fsync, then a rename) or not at all, so the same bytes land on the same name."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError(sha256)
        return self.root / sha256[:2] / sha256

    async def save(self, document: Document) -> None:
        await anyio.to_thread.run_sync(write_whole, self.path(document.sha256), document.data)

    async def read(self, sha256: str) -> bytes:
        """The document's bytes; FileNotFoundError (an OSError) when it is missing."""
        return await anyio.to_thread.run_sync(self.path(sha256).read_bytes)
