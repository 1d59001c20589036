"""The responsible unit's handler pages: findings assigned to the unit and their rectification."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from ..accounts.guards import roles
from ..deps import DatabaseDep
from ..models import Role, User
from ..web import page
from .pages import _findings


class UnitPages(Controller):
    @get("/unit", guards=[roles(Role.handler)])
    async def unit(self, request: Request[User, Any, Any], db: DatabaseDep) -> Template:
        return page(request, "unit/home.html", findings=await _findings(db, request.user))
