"""Rounds for programs and people: the office draws and follows them, the supervisor's phone
shows the latest (kept for use offline by the service worker)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Redirect, Template

from ..accounts.guards import logged_in, roles
from ..api import RoundId, read_json
from ..deps import RoundsDep
from ..i18n import lang
from ..models import Role
from ..web import UserRequest, page
from .rounds import round_json


class RoundApiController(Controller):
    path = "/api/v1/rounds"
    guards = [logged_in]
    tags = ["rounds"]

    @post("/", status_code=201)
    async def draw(self, request: UserRequest, rounds: RoundsDep) -> dict[str, Any]:
        """Draw a sample of sites for a supervisor: {"supervisor", "size", "seed"?, "campaign"?}."""
        return round_json(await rounds.draw(request.user, await read_json(request)), lang())

    @get("/{round_id:int}")
    async def get_round(self, request: UserRequest, round_id: RoundId, rounds: RoundsDep) -> dict[str, Any]:
        return round_json(await rounds.view(request.user, round_id), lang())


class RoundPages(Controller):
    include_in_schema = False

    @get("/round", guards=[roles(Role.supervisor)])
    async def my_round(self, request: UserRequest, rounds: RoundsDep) -> Template:
        return page(request, "complaints/round.html", view=await rounds.latest(request.user))

    @get("/rounds", guards=[roles(Role.office)])
    async def rounds_page(self, request: UserRequest, rounds: RoundsDep) -> Template:
        return page(request, "complaints/rounds.html", views=await rounds.recent())

    @post("/rounds", guards=[roles(Role.office)])
    async def draw(self, request: UserRequest, rounds: RoundsDep) -> Redirect | Response[Any]:
        form = await request.form()
        body: dict[str, Any] = {"supervisor": form.get("supervisor") or None}
        for name in ("size", "seed"):
            value = (form.get(name) or "").strip()
            body[name] = int(value) if value.isdigit() and len(value) < 12 else (value or None)
        if form.get("campaign"):
            body["campaign"] = form.get("campaign")
        if body["size"] is None:
            body.pop("size")
        await rounds.draw(request.user, body)
        return Redirect("/rounds", status_code=303)
