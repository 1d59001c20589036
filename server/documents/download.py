"""Download responses: a file name that survives in every browser, the right type, no caching.

RFC 6266 with RFC 5987 encoding: `filename*=UTF-8''...` carries the real (Chinese) name for every
current browser, and a plain-ASCII `filename="..."` stands in for the rare client without it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from litestar import Response
from litestar.openapi.datastructures import ResponseSpec

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
# The OpenAPI answer of a route that serves a notice as a PDF.
PDF_RESPONSES = {200: ResponseSpec(data_container=bytes, media_type=PDF, description="The notice as a PDF.")}

# Path separators, quotes, controls and what Windows refuses in a file name.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')


def safe_filename(name: str) -> str:
    """The name without anything a file system or a header could misread; never empty."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" ._")
    return cleaned[:150] or "download"


def ascii_fallback(name: str) -> str:
    """An ASCII stand-in for clients that ignore filename*: the extension is kept."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    folded = re.sub(r"[^A-Za-z0-9._-]+", "_", folded).strip("._") or "download"
    return folded + (f".{re.sub(r'[^A-Za-z0-9]', '', ext)}" if ext else "")


def content_disposition(filename: str, *, inline: bool = False, ascii_name: str | None = None) -> str:
    """The header's value; `ascii_name` is a better stand-in than folding the name (a Chinese one folds to little)."""
    name = safe_filename(filename)
    fallback = ascii_fallback(safe_filename(ascii_name or name))
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(
    content: bytes,
    filename: str,
    media_type: str,
    *,
    inline: bool = False,
    private: bool = True,
    ascii_name: str | None = None,
) -> Response[bytes]:
    """A file for the browser to save (or, inline, to show), never kept by a shared cache when private."""
    headers = {
        "Content-Disposition": content_disposition(filename, inline=inline, ascii_name=ascii_name),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store" if private else "public, max-age=300",
    }
    return Response(content, media_type=media_type, headers=headers)
