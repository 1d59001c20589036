"""Who is asking, in which language, and whether an unsafe browser request is genuine.

One middleware does all three because they read the same things (cookies, headers)
and must be settled before guards and handlers run.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.connection import Request
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from .. import i18n
from ..i18n import LANG_COOKIE

SESSION_COOKIE = "xuncha_session"
CSRF_COOKIE = "xuncha_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def csrf_token_for(secret: str, session_raw: str | None, anon_raw: str) -> str:
    # Bound to the session when there is one, so a token learnt before logging in, or
    # planted with a cookie, is worthless afterwards.
    basis = f"s:{session_raw}" if session_raw else f"a:{anon_raw}"
    return hmac.new(secret.encode(), basis.encode(), hashlib.sha256).hexdigest()[:40]


class AuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        request: Request[Any, Any, Any] = Request(scope, receive)
        cookies = request.cookies
        i18n.set_locale(i18n.negotiate(cookies.get(LANG_COOKIE), request.headers.get("accept-language")))
        scope["user"] = None
        scope["auth"] = None

        authorization = request.headers.get("authorization", "")
        session_raw: str | None = None
        if authorization[:7].lower() == "bearer ":
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

        bearer = authorization[:7].lower() == "bearer "
        anon_raw = cookies.get(CSRF_COOKIE) or ""
        # Programs with a bearer token have no use for the browser's CSRF cookie.
        new_anon = not anon_raw and not bearer
        if new_anon:
            anon_raw = secrets.token_urlsafe(24)
        expected = csrf_token_for(state.settings.secret_key, session_raw, anon_raw)
        scope.setdefault("state", {})["csrf_token"] = expected

        content_type = request.headers.get("content-type", "")
        is_form = content_type.startswith(FORM_TYPES)
        # Ambient authority (the session cookie) is what a forged request would abuse;
        # forms are checked even before login, so a login cannot be forged either.
        # Anonymous JSON calls (a program asking for a token) carry no authority.
        if scope["method"] not in SAFE_METHODS and not bearer and (session_raw or is_form):
            given = request.headers.get(CSRF_HEADER)
            if not given and is_form:
                form = await request.form()
                given = form.get(CSRF_FIELD)
            if new_anon or not isinstance(given, str) or not hmac.compare_digest(given, expected):
                scope["state"]["csrf_failed"] = True

        if not new_anon:
            await self.app(scope, receive, send)
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

        await self.app(scope, receive, send_with_cookie)
