"""What every JSON route shares: body limits, reading a JSON body, UUID path parameters,
next-page links and the digest that tells a replay from a different body."""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from typing import Any
from urllib.parse import urlencode

from litestar import Request

from .errors import AppError, NotFound
from .i18n import gettext as _
from .photos.service import media_type_of, refuse_type

# The limit for a JSON body (a check, a rectification); bigger bodies are refused unread.
JSON_BODY_LIMIT = 1024 * 1024
# The body limit for photo uploads is enforced before the body is read; a little
# headroom over the pipeline's own limit lets it give the more precise message.
PHOTO_BODY_LIMIT = 21 * 1024 * 1024


class BadBody(AppError):
    status_code = 400
    code = "malformed_json"


async def read_json(request: Request[Any, Any, Any]) -> Any:
    """The request's JSON body (its size is already limited by the route's request_max_body_size)."""
    raw = await request.body()
    try:
        # The standard parser accepts NaN and Infinity, so they reach the validator
        # and get a message about the field instead of a bare syntax error.
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadBody(_("The body is not valid JSON: %(detail)s", detail=str(exc)[:120])) from None


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
    """The same request with the cursor of the next page, or None on the last page.

    Under the configured public address (XUNCHA_PUBLIC_URL), else relative: never built from the
    request's Host header, which whoever sends the request chooses."""
    if not cursor:
        return None
    params = {k: v[-1] for k, v in request.query_params.dict().items() if k != key}
    params[key] = str(cursor)
    return f"{request.app.state.settings.public_url}{request.url.path}?{urlencode(params)}"


def body_digest(body: Any) -> str:
    # Key order and whitespace do not make a different body; content does.
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()
