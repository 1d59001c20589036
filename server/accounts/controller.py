"""Login, logout, bearer tokens, the caller's identity and the language choice."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery, JSONBody
from litestar.response import Redirect, Template

from ..deps import AccountsDep, SettingsDep
from ..errors import Invalid, TooManyAttempts, WrongCredentials
from ..i18n import LANG_COOKIE, LOCALES, lang
from ..i18n import gettext as _
from ..models import Role, User
from ..settings import Settings
from ..web import page
from .guards import logged_in
from .middleware import SESSION_COOKIE

HOME_BY_ROLE = {
    Role.officer.value: "/field",
    Role.supervisor.value: "/field",
    Role.lead.value: "/desk",
    Role.handler.value: "/unit",
    Role.office.value: "/office",
}


def home_of(user: User) -> str:
    return HOME_BY_ROLE.get(user.role, "/")


def safe_next(target: str | None) -> str | None:
    # Only paths on this site: never an open redirect to another host.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def user_json(user: User, lang: str = "zh") -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.name(lang),
        "role": user.role,
        "unit": {"code": user.unit.code, "name": user.unit.name(lang)},
    }


class TokenRequest(msgspec.Struct):
    username: str
    password: str


def _field(form: Any, name: str, limit: int = 256) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _session_cookie(settings: Settings, value: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
        max_age=max_age,
    )


class AccountController(Controller):
    @get("/login", name="login")
    async def login_page(
        self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None
    ) -> Template | Redirect:
        user = request.scope.get("user")
        if user is not None:
            return Redirect(safe_next(next) or home_of(user), status_code=303)
        return page(request, "accounts/login.html", next=safe_next(next) or "", username="")

    @post("/login", status_code=303)
    async def login_submit(
        self, request: Request[Any, Any, Any], accounts: AccountsDep, settings: SettingsDep
    ) -> Response[Any]:
        form = await request.form()
        username, password = _field(form, "username", 80), _field(form, "password")
        result = await accounts.login(username, password)
        next_path = safe_next(_field(form, "next", 2000)) or ""
        if result.user is None:
            if result.locked_for:
                message = _(
                    "Too many wrong passwords for this account. Try again in %(minutes)s minute(s).",
                    minutes=max(1, -(-result.locked_for // 60)),
                )
                status = 429
            else:
                message = _("Wrong username or password.")
                status = 401
            return page(
                request,
                "accounts/login.html",
                status_code=status,
                error=message,
                next=next_path,
                username=username,
            )
        raw, _expires = await accounts.issue(result.user, "session", request.headers.get("user-agent", ""))
        # A fresh session id at every login: a session fixed before login is worthless.
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            await accounts.revoke(old)
        # A one-time password from the office: the person chooses their own first.
        target = (
            "/account/password" if result.user.must_change_password else next_path or home_of(result.user)
        )
        response = Redirect(target, status_code=303)
        response.cookies.append(_session_cookie(settings, raw, settings.session_ttl_hours * 3600))
        return response

    @post("/logout", status_code=303, guards=[logged_in])
    async def logout(
        self, request: Request[Any, Any, Any], accounts: AccountsDep, settings: SettingsDep
    ) -> Redirect:
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            await accounts.revoke(raw)
        response = Redirect("/login", status_code=303)
        response.cookies.append(_session_cookie(settings, "", 0))
        return response

    @post("/lang", status_code=303)
    async def set_language(self, request: Request[Any, Any, Any], settings: SettingsDep) -> Redirect:
        form = await request.form()
        locale = _field(form, "locale", 10)
        if locale not in LOCALES:
            raise Invalid(
                _("Unknown language."), errors=[{"field": "locale", "message": _("Choose zh_CN or en.")}]
            )
        response = Redirect(safe_next(_field(form, "next", 2000)) or "/", status_code=303)
        response.cookies.append(
            Cookie(
                key=LANG_COOKIE,
                value=locale,
                samesite="lax",
                path="/",
                max_age=365 * 24 * 3600,
                secure=settings.secure_cookies,
            )
        )
        return response

    @post("/api/v1/auth/token", status_code=200)
    async def issue_token(
        self, request: Request[Any, Any, Any], data: JSONBody[TokenRequest], accounts: AccountsDep
    ) -> dict[str, Any]:
        result = await accounts.login(data.username[:80], data.password[:256])
        if result.user is None:
            if result.locked_for:
                raise TooManyAttempts(
                    _(
                        "Too many wrong passwords for this account. Try again in %(minutes)s minute(s).",
                        minutes=max(1, -(-result.locked_for // 60)),
                    ),
                    headers={"Retry-After": str(result.locked_for)},
                )
            raise WrongCredentials(_("Wrong username or password."))
        raw, expires = await accounts.issue(result.user, "bearer", request.headers.get("user-agent", ""))
        return {"token": raw, "expires_at": expires.isoformat(), "user": user_json(result.user, lang())}
