"""What a unit's document is, read from its content: its first bytes, and for Office files the
zip's own list of parts. The name and the declared type are never believed, so a web page or a
program renamed to .pdf is refused, and what is served back is always what was checked."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from ..documents.download import PDF, XLSX
from ..errors import Unsupported
from ..i18n import gettext as _

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The main part's content type of a Word document and of an Excel workbook without macros; the
# macro-enabled kinds (.docm, .xlsm) name another one and are refused.
_WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# [Content_Types].xml is a few kilobytes; a larger one is not an Office file we read.
_MAX_CONTENT_TYPES_BYTES = 256 * 1024


@dataclass(frozen=True)
class FileType:
    media_type: str
    extension: str


PDF_FILE = FileType(PDF, "pdf")
DOCX_FILE = FileType(DOCX, "docx")
XLSX_FILE = FileType(XLSX, "xlsx")
JPEG_FILE = FileType("image/jpeg", "jpg")
PNG_FILE = FileType("image/png", "png")
ACCEPTED = (PDF_FILE, DOCX_FILE, XLSX_FILE, JPEG_FILE, PNG_FILE)
# The file input's hint to the browser; what counts is the content.
ACCEPT_ATTRIBUTE = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png," + ",".join(t.media_type for t in ACCEPTED)


def _refused(what: str) -> Unsupported:
    return Unsupported(
        _(
            "The file is %(what)s. Send the document as PDF, Word (DOCX), Excel (XLSX), JPEG or PNG.",
            what=what,
        ),
        errors=[{"field": "file", "message": _("Not a PDF, DOCX, XLSX, JPEG or PNG file.")}],
    )


def _office_type(data: bytes) -> FileType:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            raise _refused(_("a zip archive, not a Word or Excel document"))
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > _MAX_CONTENT_TYPES_BYTES:
            raise _refused(_("not a Word or Excel document that can be read"))
        content_types = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError):
        raise _refused(_("a damaged or incomplete zip archive")) from None
    if "word/document.xml" in names and _WORD_MAIN in content_types:
        return DOCX_FILE
    if "xl/workbook.xml" in names and _EXCEL_MAIN in content_types:
        return XLSX_FILE
    if b"macroEnabled" in content_types:
        raise _refused(_("an Office document with macros (DOCM or XLSM)"))
    raise _refused(_("a zip archive, not a Word or Excel document"))


def sniff(data: bytes) -> FileType:
    """The document's type from its bytes, or 415 saying what it looks like instead."""
    if not data:
        raise _refused(_("empty"))
    if data.startswith(b"%PDF-"):
        # A PDF ends with its trailer's %%EOF; without one the upload was cut short.
        if b"%%EOF" not in data[-4096:]:
            raise _refused(_("an incomplete PDF (its end is missing)"))
        return PDF_FILE
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG_FILE
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG_FILE
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _refused(_("an old-format Word or Excel file (DOC or XLS): save it as DOCX or XLSX"))
    if data.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        raise _refused(_("a program"))
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml")):
        raise _refused(_("a web page or markup (HTML, SVG or XML)"))
    raise _refused(_("of a kind that cannot be read as a document"))
