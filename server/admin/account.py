"""Choosing one's own password, required after the office set a one-time password."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect, Template
from sqlalchemy import select

from ..accounts.controller import home_of
from ..accounts.guards import logged_in
from ..audit.chain import AuditLog
from ..db import Database
from ..deps import AccountsDep, DatabaseDep
from ..errors import Forbidden, Invalid
from ..i18n import gettext as _
from ..models import User, utcnow
from ..web import page
from .passwords import new_password_problem

# What a person with a one-time password may still reach.
_OPEN_WHILE_CHANGING = (
    "/account/password",
    "/api/v1/account/password",
    "/logout",
    "/lang",
    "/login",
    "/static/",
    "/healthz",
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


async def change_password(db: Database, accounts: Any, user: User, current: str, new: str) -> None:
    errors = []
    if not await accounts.passwords.verify(user.password_hash, current):
        errors.append({"field": "current", "message": _("This is not your current password.")})
    problem = new_password_problem(new, user.username)
    if problem:
        errors.append({"field": "new", "message": problem})
    elif new == current:
        errors.append({"field": "new", "message": _("Choose a password different from the current one.")})
    if errors:
        raise Invalid(_("The password was not changed."), errors=errors)
    hashed = await accounts.passwords.hash(new)
    async with db.write() as session:
        row = await session.scalar(select(User).where(User.id == user.id))
        assert row is not None
        row.password_hash = hashed
        row.must_change_password = False
        row.password_expires_at = None
        row.password_set_at = utcnow()
        audit = AuditLog(actor_id=user.id)
        audit.record("user.password_changed", "user", row)
        await audit.write(session)
    accounts.forget_user(user.id)


class PasswordController(Controller):
    guards = [logged_in]

    @get("/account/password")
    async def form(self, request: Request[User, Any, Any]) -> Template:
        return page(request, "admin/password.html", errors={})

    @post("/account/password", status_code=303)
    async def submit(self, request: Request[User, Any, Any], db: DatabaseDep, accounts: AccountsDep) -> Any:
        form = await request.form()
        try:
            await change_password(
                db, accounts, request.user, str(form.get("current") or ""), str(form.get("new") or "")
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
    async def api(
        self, request: Request[User, Any, Any], db: DatabaseDep, accounts: AccountsDep
    ) -> dict[str, Any]:
        try:
            body = await request.json()
        except Exception:
            body = None
        if not isinstance(body, dict):
            raise Invalid(
                _("The body must be a JSON object."),
                errors=[{"field": "", "message": _("Expected an object.")}],
            )
        await change_password(
            db, accounts, request.user, str(body.get("current") or ""), str(body.get("new") or "")
        )
        return {"changed": True}
