"""Errors a client can cause, and how they are answered: JSON under /api, a page elsewhere.

Messages are translated where they are raised (the request's locale is known there) and
say what the person can do about it.
"""

from __future__ import annotations

import errno
import logging
import traceback
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from .i18n import gettext as _

log = logging.getLogger("xuncha")


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, str]] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        if code:
            self.code = code
        self.extra = extra or {}
        self.headers = headers or {}


def _error_kind(name: str, status_code: int, code: str, doc: str) -> type[AppError]:
    """An AppError with its own status and code: only these two tell the kinds apart."""
    return type(
        name, (AppError,), {"status_code": status_code, "code": code, "__doc__": doc, "__module__": __name__}
    )


Invalid = _error_kind("Invalid", 422, "invalid", "The request was read but a value is not acceptable.")
Conflict = _error_kind("Conflict", 409, "conflict", "The request contradicts the record's current state.")
NotFound = _error_kind("NotFound", 404, "not_found", "No such record, or none the user may see.")
Forbidden = _error_kind("Forbidden", 403, "forbidden", "The user's role or unit may not do this.")
TooLarge = _error_kind("TooLarge", 413, "too_large", "A body or file over its limit.")
Unsupported = _error_kind("Unsupported", 415, "unsupported_media_type", "A body or file of a type not read.")
WrongCredentials = _error_kind("WrongCredentials", 401, "wrong_credentials", "The name or password is wrong.")
TooManyAttempts = _error_kind("TooManyAttempts", 429, "too_many_attempts", "Too many failed logins for now.")


class Unavailable(AppError):
    """The server cannot do it now but will later: the client should retry after `retry_after` s."""

    status_code = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, headers={"Retry-After": str(retry_after)})


def wants_json(request: Request[Any, Any, Any]) -> bool:
    return (
        request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")[:40]
    )


def _respond(
    request: Request[Any, Any, Any], status: int, code: str, message: str, **body: Any
) -> Response[Any]:
    headers = body.pop("headers", None) or {}
    if wants_json(request):
        # status_code and detail too: the shape the OpenAPI schema documents for Litestar's own
        # 400 (and a client written against it finds what it expects).
        payload = {
            "status": status,
            "error": code,
            "message": message,
            "status_code": status,
            "detail": message,
        }
        payload.update({k: v for k, v in body.items() if v})
        return Response(payload, status_code=status, headers=headers, media_type="application/json")
    from .web import page_context

    return Template(
        "error.html",
        context=page_context(request, status=status, message=message, errors=body.get("errors") or []),
        status_code=status,
        headers=headers,
    )


def app_error_handler(request: Request[Any, Any, Any], exc: AppError) -> Response[Any]:
    return _respond(
        request, exc.status_code, exc.code, exc.message, errors=exc.errors, headers=exc.headers, **exc.extra
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException):
        if not wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return Redirect(path="/login", query_params={"next": target}, status_code=303)
        return _respond(
            request, 401, "not_authenticated", _("Log in first: the session is missing or has expired.")
        )
    if isinstance(exc, PermissionDeniedException):
        return _respond(
            request,
            403,
            "forbidden",
            str(exc.detail) if exc.detail != "Forbidden" else _("Your role may not do this."),
        )
    if isinstance(exc, NotFoundException):
        return _respond(request, 404, "not_found", _("There is nothing here."))
    if isinstance(exc, ValidationException):
        errors = []
        named_parameter = False
        for item in exc.extra or []:
            if isinstance(item, dict):
                errors.append(
                    {"field": str(item.get("key") or ""), "message": str(item.get("message") or "")}
                )
                named_parameter |= item.get("source") in ("query", "path", "header", "cookie")
        # A value of a named parameter that is out of range or of the wrong type is a request
        # that was read but is not acceptable (422); a body that cannot be read at all is 400.
        return _respond(
            request,
            422 if named_parameter else 400,
            "invalid" if named_parameter else "bad_request",
            _("The request could not be read: %(detail)s", detail=exc.detail),
            errors=errors,
        )
    if status == 413:
        return _respond(request, 413, "too_large", _("The request body is too large."))
    if status == 405:
        # The router names the methods the address does accept (Allow); TRACE is never one of them.
        return _respond(
            request,
            405,
            "method_not_allowed",
            _("This address does not accept that method."),
            headers={k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"},
        )
    return _respond(request, status, "error", str(exc.detail))


def loggable(value: Any, limit: int = 300) -> str:
    """A client's value as one log line: control characters escaped, so nobody can write
    lines of their own into the server log."""
    text = str(value)[:limit]
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def refuse_control_characters_in_path(request: Request[Any, Any, Any]) -> None:
    """No file name holds a NUL or another control character: refused before the file system
    is asked (which raises on a NUL)."""
    if not request.url.path.isprintable():
        raise AppError(
            _("The address contains a character no file name has."),
            errors=[{"field": "path", "message": _("Remove the control characters from the address.")}],
        )


# A database that is restarting or out of reach, or a full disk, is the server's passing state,
# not the request's fault: the client keeps what it sent and tries again (the phone retries 5xx).
DATABASE_RETRY_AFTER = 5
DISK_RETRY_AFTER = 60
_CONNECTION_ERRORS = (
    # asyncpg's, by name: the driver is only there with PostgreSQL.
    "CannotConnectNowError",
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "AdminShutdownError",
    "CrashShutdownError",
    "TooManyConnectionsError",
)


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo.extend([item.__cause__, item.__context__, getattr(item, "orig", None)])
    return seen


def passing_trouble(exc: BaseException) -> tuple[int, str, str, int] | None:
    """507 for a full disk, 503 for a database that cannot be reached; None for anything else."""
    from sqlalchemy.exc import DBAPIError

    causes = _causes(exc)
    for item in causes:
        if (
            isinstance(item, OSError)
            and item.errno == errno.ENOSPC
            or "database or disk is full" in str(item)
        ):
            message = _(
                "The server's disk is full; nothing was saved. It is kept on your side and sent again later."
            )
            return 507, "insufficient_storage", message, DISK_RETRY_AFTER
    for item in causes:
        unreachable = (
            isinstance(item, ConnectionError | TimeoutError)
            or type(item).__name__ in _CONNECTION_ERRORS
            or (isinstance(item, DBAPIError) and item.connection_invalidated)
            or "database is locked" in str(item)  # SQLite: another process kept the write lock too long
        )
        if unreachable:
            message = _(
                "The server's database cannot be reached for a moment; nothing was saved. Try again shortly."
            )
            return 503, "database_unavailable", message, DATABASE_RETRY_AFTER
    return None


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The traceback's frames are the server's own; the exception's text may quote the client.
    what = loggable(f"{type(exc).__name__}: {exc}", 1000)
    trouble = passing_trouble(exc)
    if trouble is not None:
        status, code, message, retry_after = trouble
        log.warning(
            "answered %s to %s %s: %s", status, loggable(request.method, 20), loggable(request.url.path), what
        )
        return _respond(request, status, code, message, headers={"Retry-After": str(retry_after)})
    log.error(
        "unhandled error on %s %s: %s\n%s",
        loggable(request.method, 20),
        loggable(request.url.path),
        what,
        "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
    )
    return _respond(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        _("Something went wrong on the server; nothing was saved."),
    )


EXCEPTION_HANDLERS = {
    AppError: app_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
