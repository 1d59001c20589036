"""What every JSON route shares: body limits, reading a JSON body, UUID path parameters,
next-page links and the digest that tells a replay from a different body."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid as uuidlib
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request
from litestar.params import PathParameter, QueryParameter

from .errors import AppError, Invalid, NotFound
from .i18n import gettext as _
from .photos.service import media_type_of, refuse_type

# The limit for a JSON body (a check, a rectification); bigger bodies are refused unread.
JSON_BODY_LIMIT = 1024 * 1024
# The body limit for photo uploads is enforced before the body is read; a little
# headroom over the pipeline's own limit lets it give the more precise message.
PHOTO_BODY_LIMIT = 21 * 1024 * 1024


# Row ids are 32-bit integers in PostgreSQL (64-bit in SQLite): a number past that names no row,
# and handing it to the database driver fails there instead of answering the client.
MAX_ROW_ID = 2**31 - 1

FindingId = Annotated[
    int, PathParameter(ge=1, le=MAX_ROW_ID, description="The finding's number.", title="finding_id")
]
PageCursor = Annotated[
    int | None,
    QueryParameter(ge=1, le=MAX_ROW_ID, description="The `next` link's cursor: rows older than this one."),
]


class BadBody(AppError):
    status_code = 400
    code = "malformed_json"


async def read_json(request: Request[Any, Any, Any]) -> Any:
    """The request's JSON body (its size is already limited by the route's request_max_body_size)."""
    raw = await request.body()
    try:
        # The standard parser accepts NaN and Infinity, so they reach the validator
        # and get a message about the field instead of a bare syntax error.
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadBody(_("The body is not valid JSON: %(detail)s", detail=str(exc)[:120])) from None
    if _ESCAPED_SURROGATE.search(raw):
        refuse_lone_surrogates(body)
    return body


# A UTF-16 surrogate can only reach a decoded string through a \uD800..\uDFFF escape.
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def _surrogate_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [path]
        return []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _surrogate_paths(key, path) + _surrogate_paths(
                item, f"{path}.{key}" if path else str(key)
            )
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _surrogate_paths(item, f"{path}[{i}]")
    return found


def refuse_lone_surrogates(body: Any) -> None:
    """A lone UTF-16 surrogate (a half of an emoji, say) is valid JSON but no character: no
    database can store it, so the field that holds one is named instead."""
    paths = _surrogate_paths(body, "")
    if paths:
        raise Invalid(
            _("The body has text that is not valid Unicode; nothing was saved."),
            errors=[
                {"field": path[:80], "message": _("Contains half of a character (a lone surrogate).")}
                for path in dict.fromkeys(paths)
            ],
        )


# Bidirectional embeddings, overrides and isolates reorder what a reader sees (a note that
# reads differently from what it says); control characters other than line breaks and tabs
# have no place in a note and can hide text in logs and exports.
_DISGUISING = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_KEPT_CONTROLS = {"\n", "\t", "\r"}


def free_text(value: str) -> str:
    """Free text as people write it: invisible direction overrides and control characters
    are removed (not refused: an offline phone could never send its check otherwise)."""
    if value.isprintable() and not _DISGUISING.intersection(value):
        return value
    return "".join(
        ch
        for ch in value
        if ch not in _DISGUISING and (ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc")
    )


async def read_photo_body(request: Request[Any, Any, Any]) -> tuple[str | None, bytes]:
    """The upload's declared type and bytes; a type no photo has is refused before a byte is read."""
    content_type = request.headers.get("content-type")
    refuse_type(media_type_of(content_type))
    return content_type, await request.body()


def canonical_uuid(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        return None


def uuid_or_404(value: str, what: str, message: str | None = None) -> str:
    """A UUID path parameter in its canonical form; anything else names nothing here (404)."""
    canonical = canonical_uuid(value)
    if canonical is None:
        raise NotFound(message or _("%(what)s is not a UUID.", what=what), code="bad_uuid")
    return canonical


def next_page_url(request: Request[Any, Any, Any], cursor: int | None, key: str = "before") -> str | None:
    """The same request with the cursor of the next page, or None on the last page."""
    if not cursor:
        return None
    params = {k: v[-1] for k, v in request.query_params.dict().items() if k != key}
    params[key] = str(cursor)
    return str(request.url.with_replacements(query=urlencode(params)))


def body_digest(body: Any) -> str:
    # Key order and whitespace do not make a different body; content does.
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()
