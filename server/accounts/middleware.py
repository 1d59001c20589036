"""Who is asking, in which language, and whether an unsafe browser request is genuine.

One middleware does all three because they read the same things (cookies, headers)
and must be settled before guards and handlers run. It reads the few headers it needs
straight from the scope, and the cookies only when there are some (a phone's bearer-token
calls carry none).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from typing import Any

from litestar.connection import Request
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Guard, Message, Receive, Scope, Send

from .. import i18n
from ..i18n import LANG_COOKIE
from ..i18n import gettext as _

SESSION_COOKIE = "xuncha_session"
CSRF_COOKIE = "xuncha_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@functools.lru_cache(maxsize=4096)
def csrf_token_for(secret: str, session_raw: str | None, anon_raw: str) -> str:
    # Bound to the session when there is one, so a token learnt before logging in, or
    # planted with a cookie, is worthless afterwards. Remembered per process: a person's
    # pages and API calls ask for the same one again and again.
    basis = f"s:{session_raw}" if session_raw else f"a:{anon_raw}"
    return hmac.new(secret.encode(), basis.encode(), hashlib.sha256).hexdigest()[:40]


# The request headers this middleware reads; ASGI gives header names in lower case.
_READ = frozenset((b"authorization", b"cookie", b"accept-language", b"content-type", CSRF_HEADER.encode()))


def _headers(scope: Scope) -> dict[bytes, str]:
    """The first value of each header read here, as Litestar's Headers would give it."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _READ and name not in found:
            found[name] = value.decode("latin-1")
    return found


class AuthMiddleware:
    """Also refuses, before any guard or handler runs, an unsafe browser request whose CSRF token
    does not match, then runs `user_guard` (a guard's signature; the app passes the one that stops
    an account which must first choose its own password) for a logged-in person: checks that hold
    for every route, done here once per request rather than as app-wide guards, each of which
    Litestar calls with its own copy of the route handler.
    """

    def __init__(self, app: ASGIApp, user_guard: Guard | None = None) -> None:
        self.app = app
        self.user_guard = user_guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        headers = _headers(scope)
        request: Request[Any, Any, Any] | None = None
        cookies: dict[str, str] = {}
        if b"cookie" in headers:
            request = Request(scope, receive)
            cookies = request.cookies
        i18n.set_locale(i18n.negotiate(cookies.get(LANG_COOKIE), headers.get(b"accept-language")))
        scope["user"] = None
        scope["auth"] = None

        authorization = headers.get(b"authorization", "")
        bearer = authorization[:7].lower() == "bearer "
        session_raw: str | None = None
        if bearer:
            found = await state.accounts.resolve(authorization[7:].strip(), "bearer")
            if found is not None:
                scope["user"], scope["auth"] = found.user, found
        else:
            session_raw = cookies.get(SESSION_COOKIE)
            if session_raw:
                found = await state.accounts.resolve(session_raw, "session")
                if found is not None:
                    scope["user"], scope["auth"] = found.user, found
                else:
                    session_raw = None

        anon_raw = cookies.get(CSRF_COOKIE) or ""
        # Programs with a bearer token have no use for the browser's CSRF cookie.
        new_anon = not anon_raw and not bearer
        if new_anon:
            anon_raw = secrets.token_urlsafe(24)
        expected = csrf_token_for(state.settings.secret_key, session_raw, anon_raw)
        scope.setdefault("state", {})["csrf_token"] = expected

        is_form = headers.get(b"content-type", "").startswith(FORM_TYPES)
        # Ambient authority (the session cookie) is what a forged request would abuse;
        # forms are checked even before login, so a login cannot be forged either.
        # Anonymous JSON calls (a program asking for a token) carry no authority.
        csrf_failed = False
        if scope["method"] not in SAFE_METHODS and not bearer and (session_raw or is_form):
            given: Any = headers.get(CSRF_HEADER.encode())
            if not given and is_form:
                request = request or Request(scope, receive)
                form = await request.form()
                given = form.get(CSRF_FIELD)
            csrf_failed = new_anon or not isinstance(given, str) or not hmac.compare_digest(given, expected)

        if not new_anon:
            await self._checked(scope, receive, send, request, csrf_failed)
            return

        cookie = Cookie(
            key=CSRF_COOKIE,
            value=anon_raw,
            httponly=True,
            samesite="lax",
            secure=state.settings.secure_cookies,
            path="/",
            max_age=365 * 24 * 3600,
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append(cookie.to_encoded_header())
                message["headers"] = headers
            await send(message)

        await self._checked(scope, receive, send_with_cookie, request, csrf_failed)

    async def _checked(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request: Request[Any, Any, Any] | None,
        csrf_failed: bool,
    ) -> None:
        if csrf_failed:
            raise PermissionDeniedException(
                _(
                    "The form was out of date or came from elsewhere (CSRF check failed). Reload the page and try again."
                )
            )
        if self.user_guard is not None and scope["user"] is not None:
            await self.user_guard(request or Request(scope, receive), None)  # type: ignore[arg-type]
        await self.app(scope, receive, send)
