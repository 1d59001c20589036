"""What every JSON route shares: body limits, reading a JSON body, UUID path parameters,
paging and next-page links, receipts and the digest that tells a replay from a different body."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid as uuidlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, put
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import PathParameter, QueryParameter
from litestar.types import Empty

from .errors import AppError, Invalid, NotFound
from .i18n import gettext as _

# The limit for a JSON body (a check, a rectification); bigger bodies are refused unread.
JSON_BODY_LIMIT = 1024 * 1024


# Row ids are 32-bit integers in PostgreSQL (64-bit in SQLite): a number past that names no row,
# and handing it to the database driver fails there instead of answering the client.
MAX_ROW_ID = 2**31 - 1

FindingId = Annotated[
    int, PathParameter(ge=1, le=MAX_ROW_ID, description="The finding's number.", title="finding_id")
]
TopicId = Annotated[
    int, PathParameter(ge=1, le=MAX_ROW_ID, description="The topic's number.", title="topic_id")
]
BulletinId = Annotated[
    int, PathParameter(ge=1, le=MAX_ROW_ID, description="The bulletin's number.", title="bulletin_id")
]
RoundId = Annotated[
    int, PathParameter(ge=1, le=MAX_ROW_ID, description="The round's number.", title="round_id")
]
PageCursor = Annotated[
    int | None,
    QueryParameter(ge=1, le=MAX_ROW_ID, description="The `next` link's cursor: rows older than this one."),
]


@dataclass(frozen=True)
class Paging:
    """Where a listing newest first starts (`before`, a row id) and how many rows it answers."""

    before: int | None
    limit: int


def _paging(before: PageCursor = None, limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> Paging:
    return Paging(before, limit)


# A controller's `dependencies` entry: a handler's `paging: PagingDep` reads `before` and `limit`.
PAGING = {"paging": Provide(_paging, sync_to_thread=False)}
PagingDep = NamedDependency[Paging]


class BadBody(AppError):
    status_code = 400
    code = "malformed_json"


class JsonRequest(Request[Any, Any, Any]):
    """The request of the JSON APIs. A handler's `data: SkipValidation[Schema]` is documented as
    the schema and arrives as parsed JSON (its size limited by the route's request_max_body_size),
    for `decode_body` to decode: NaN and lone surrogates are then named by field instead of
    answered with a bare syntax error, and the body as sent is kept for its digest."""

    async def json(self) -> Any:
        if self._json is Empty:
            self._json = parse_json(await self.body())
        return self._json


def parse_json(raw: bytes) -> Any:
    try:
        # msgspec first, several times faster and the same result for what it takes; what it
        # refuses (NaN, Infinity, a lone surrogate, a byte-order mark, bad JSON) is decided by
        # the standard parser, as it always was.
        body = msgspec.json.decode(raw)
    except (msgspec.MsgspecError, RecursionError):
        try:
            # The standard parser accepts NaN and Infinity, so they reach the validator
            # and get a message about the field instead of a bare syntax error.
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise BadBody(_("The body is not valid JSON: %(detail)s", detail=str(exc)[:120])) from None
    if _ESCAPED_SURROGATE.search(raw):
        refuse_lone_surrogates(body)
    return body


async def read_json(request: Request[Any, Any, Any]) -> Any:
    """The JSON body of a route that reads it without a schema (its size already limited by the
    route's request_max_body_size), parsed as parse_json does."""
    return parse_json(await request.body())


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


T = TypeVar("T")

# What a field's message says, given msgspec's own (English) description and the value sent.
Message = str | Callable[[str, Any], str]


def decode_body(
    body: Any, schema: type[T], messages: Callable[[], Mapping[str, Message]], *, summary: str
) -> T:
    """The body as its schema, or 422 naming each top-level field that does not fit (the first
    problem within each) and saying in the reader's language what to do. `messages` maps a field
    path, with `[]` for any list index, to its message; a path with no message of its own takes
    that of the nearest enclosing field that has one."""
    try:
        return msgspec.convert(body, schema, strict=True)
    except msgspec.ValidationError as exc:
        first = str(exc)
    if not isinstance(body, dict):
        raise Invalid(
            _("The body must be a JSON object."), errors=[{"field": "", "message": _("Expected an object.")}]
        )
    # msgspec stops at the first problem; a person fixing a form wants them all, so each
    # top-level field is decoded on its own to find the others.
    failures = list(_field_failures(body, schema)) or [_failed_field(first)]
    table = messages()
    raise Invalid(summary, errors=[_explained(body, field, detail, table) for field, detail in failures])


def _field_failures(body: dict[Any, Any], schema: type[Any]) -> Iterator[tuple[str, str]]:
    fields = msgspec.structs.fields(schema)
    if schema.__struct_config__.forbid_unknown_fields:
        known = {f.encode_name for f in fields}
        for key in body:
            if key not in known:
                yield str(key), "Object contains unknown field"
    for f in fields:
        if f.encode_name not in body:
            if f.required:
                yield f.encode_name, "Object missing required field"
            continue
        try:
            msgspec.convert(body[f.encode_name], f.type, strict=True)
        except msgspec.ValidationError as exc:
            inner, detail = _failed_field(str(exc))
            yield f.encode_name + (inner if not inner or inner.startswith("[") else f".{inner}"), detail


def _explained(body: Any, field: str, detail: str, table: Mapping[str, Message]) -> dict[str, str]:
    if detail.startswith("Object contains unknown field"):
        return {"field": field[:80], "message": _("Unknown field.")}
    path = field
    while path:
        message = table.get(re.sub(r"\[\d+\]", "[]", path))
        if message is not None:
            text = message if isinstance(message, str) else message(detail, _value_at(body, path))
            return {"field": path, "message": text}
        path = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path)
    return {"field": field[:80], "message": _("This value is not valid.")}


_LOCATED = re.compile(r"^(?P<detail>.*?)(?: - at `\$(?P<path>.*)`)?$", re.DOTALL)
_NAMED = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>.*)`$", re.DOTALL)


def _failed_field(text: str) -> tuple[str, str]:
    """msgspec's "Expected `int` - at `$.answers[0].item`" as ("answers[0].item", "Expected `int`")."""
    located = _LOCATED.match(text)
    assert located is not None  # the pattern matches any text
    detail, path = located["detail"], (located["path"] or "").lstrip(".")
    named = _NAMED.match(detail)
    if named:
        path = f"{path}.{named['name']}" if path else named["name"]
    return path, detail


def _value_at(body: Any, path: str) -> Any:
    value = body
    for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        try:
            value = value[int(index)] if index else value.get(key)
        except (AttributeError, IndexError, KeyError, TypeError):
            return None
    return value


def text_message(limit: int) -> Callable[[str, Any], str]:
    def message(_detail: str, value: Any) -> str:
        if not isinstance(value, str):
            return _("Must be text.")
        return _("Too long: %(length)s characters; at most %(limit)s.", length=len(value), limit=limit)

    return message


def within(field: str, message: Message, **parts: Message) -> dict[str, Message]:
    """The messages of an object's field (or a list's items, `field[]`) and of its own fields."""
    return {field: message, **{f"{field}.{name}": part for name, part in parts.items()}}


def time_message(detail: str, _value: Any) -> str:
    if "timezone" in detail:
        return _("The time needs its UTC offset, like +08:00, so it is not misread.")
    return _("Give a date and time like 2026-11-28T09:30:00+08:00.")


def shaped(value: Mapping[str, Any], schema: type[T]) -> T:
    """A presenter's dict as its response schema; a key the schema lacks fails here, so the
    documented shape cannot drift from what is sent."""
    return msgspec.convert(value, schema, strict=True)


def receipt_responses(schema: type[Any], what: str) -> dict[int, ResponseSpec]:
    """A sync PUT answers 201 the first time and 200 for the same body again, with one receipt."""
    return {
        201: ResponseSpec(data_container=schema, description=f"The {what} is stored."),
        200: ResponseSpec(
            data_container=schema, description=f"The same {what} came again: nothing new stored."
        ),
    }


# What str(uuid.UUID(...)) gives: a value already in this form is its own canonical form.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_uuid(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    if _CANONICAL_UUID.fullmatch(value):
        return value
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


def page_of(request: Request[Any, Any, Any], items: Sequence[Any], cursor: int | None, schema: type[T]) -> T:
    """A page of a listing as its schema: the items and the link to the next page (null on the last)."""
    return shaped({"items": items, "next": next_page_url(request, cursor)}, schema)


def next_page_url(request: Request[Any, Any, Any], cursor: int | None, key: str = "before") -> str | None:
    """The same request with the cursor of the next page, or None on the last page.

    Under the configured public address (XUNCHA_PUBLIC_URL), else relative: never built from the
    request's Host header, which whoever sends the request chooses."""
    if not cursor:
        return None
    params = {k: v[-1] for k, v in request.query_params.dict().items() if k != key}
    params[key] = str(cursor)
    return f"{request.app.state.settings.public_url}{request.url.path}?{urlencode(params)}"


# One encoder, as json.dumps with these options would build for every call.
_DIGEST_TEXT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def body_digest(body: Any) -> str:
    # Key order and whitespace do not make a different body; content does.
    return hashlib.sha256(_DIGEST_TEXT.encode(body).encode()).hexdigest()


def event_json(event: Any) -> dict[str, Any]:
    """What the workflow events of a finding and of a complaint share, as the API shows them."""
    return {
        "at": event.at.isoformat(),
        "action": event.action,
        "by": event.actor.username if event.actor else None,
        "from": event.from_status,
        "to": event.to_status,
        "unit": event.unit.code if event.unit else None,
        "deadline": event.deadline.isoformat() if event.deadline else None,
    }


def sync_put(path: str, receipt: type[Any], what: str) -> Any:
    """The route of a sync PUT of a JSON body (a check, a rectification): its limit and receipts."""
    return put(
        path,
        request_max_body_size=JSON_BODY_LIMIT,
        status_code=200,
        responses=receipt_responses(receipt, what),
    )


def receipt(stored: tuple[int, Mapping[str, Any]], schema: type[Any] | None = None) -> Response[Any]:
    """What an idempotent PUT's store answered, with its status (201 new, 200 again): as its
    receipt schema when it has one."""
    status, body = stored
    return Response(shaped(body, schema) if schema else body, status_code=status)
