"""Choosing one's own password, required after the office set a one-time password."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect, Template

from ..accounts.controller import home_of
from ..accounts.guards import logged_in
from ..errors import Forbidden, Invalid
from ..i18n import gettext as _
from ..web import UserRequest, page
from .api import AdminDep

# What a person with a one-time password may still reach.
_OPEN_WHILE_CHANGING = (
    "/account/password",
    "/api/v1/account/password",
    "/logout",
    "/lang",
    "/login",
    "/static/",
    "/healthz",
    "/readyz",
    "/api/v1/auth/token",
)


async def password_current_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    user = connection.scope.get("user")
    if user is None or not user.must_change_password:
        return
    if connection.url.path.startswith(_OPEN_WHILE_CHANGING):
        return
    raise Forbidden(
        _("Choose your own password first, at /account/password."), code="password_change_required"
    )


class PasswordController(Controller):
    guards = [logged_in]

    @get("/account/password")
    async def form(self, request: UserRequest) -> Template:
        return page(request, "admin/password.html", errors={})

    @post("/account/password", status_code=303)
    async def submit(self, request: UserRequest, admin: AdminDep) -> Any:
        form = await request.form()
        try:
            await admin.change_own_password(
                request.user, str(form.get("current") or ""), str(form.get("new") or "")
            )
        except Invalid as exc:
            return page(
                request,
                "admin/password.html",
                status_code=422,
                errors={e["field"]: e["message"] for e in exc.errors},
            )
        return Redirect(home_of(request.user), status_code=303)

    @post("/api/v1/account/password", status_code=200)
    async def api(self, request: UserRequest, admin: AdminDep) -> dict[str, Any]:
        try:
            body = await request.json()
        except Exception:
            body = None
        if not isinstance(body, dict):
            raise Invalid(
                _("The body must be a JSON object."),
                errors=[{"field": "", "message": _("Expected an object.")}],
            )
        await admin.change_own_password(
            request.user, str(body.get("current") or ""), str(body.get("new") or "")
        )
        return {"changed": True}
