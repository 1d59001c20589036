"""The bureau leader's contact points page (/leader) and the topic pages of leaders and units."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from ..accounts.guards import roles
from ..api import TopicId
from ..deps import SettingsDep
from ..errors import AppError
from ..forms import typed_values
from ..models import Role, User, utcnow
from ..web import form_page, page
from .api import TopicsDep


async def _leader_page(
    request: Request[User, Any, Any],
    topics: Any,
    *,
    error: AppError | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    points = await topics.contact_units(request.user)
    return form_page(
        request,
        "admin/leader.html",
        error,
        units=await topics.overview(points),
        topics=await topics.list_for(request.user),
        values=values or {},
        now=utcnow(),
    )


def _deadline(value: str, zone: ZoneInfo) -> str:
    # A datetime-local field has no offset: it is the bureau's clock.
    from datetime import datetime

    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone).isoformat() if value else ""
    except ValueError:
        return value


class LeaderPages(Controller):
    include_in_schema = False

    @get("/leader", guards=[roles(Role.lead)])
    async def leader(
        self,
        request: Request[User, Any, Any],
        topics: TopicsDep,
    ) -> Template:
        return await _leader_page(request, topics)

    @post("/leader/topics", guards=[roles(Role.lead)], status_code=303)
    async def set_topic(
        self,
        request: Request[User, Any, Any],
        topics: TopicsDep,
        settings: SettingsDep,
    ) -> Any:
        form = typed_values(await request.form())
        body = {**form, "deadline": _deadline(form.get("deadline", ""), ZoneInfo(settings.timezone))}
        try:
            await topics.set_topic(request.user, body)
        except AppError as exc:
            return await _leader_page(request, topics, error=exc, values=form)
        return Redirect("/leader", status_code=303)

    @get("/topics", guards=[roles(Role.handler, Role.lead, Role.office)])
    async def topic_list(self, request: Request[User, Any, Any], topics: TopicsDep) -> Template:
        return page(
            request, "admin/topics.html", topics=await topics.list_for(request.user), now=utcnow(), error=None
        )

    @post("/topics/{topic_id:int}/answer", guards=[roles(Role.handler)], status_code=303)
    async def answer(self, request: Request[User, Any, Any], topic_id: TopicId, topics: TopicsDep) -> Any:
        form = await request.form()
        try:
            await topics.answer(request.user, topic_id, {"answer": form.get("answer") or ""})
        except AppError as exc:
            return page(
                request,
                "admin/topics.html",
                status_code=exc.status_code,
                topics=await topics.list_for(request.user),
                now=utcnow(),
                error=exc,
            )
        return Redirect("/topics", status_code=303)

    @post("/topics/{topic_id:int}/decide", guards=[roles(Role.lead)], status_code=303)
    async def decide(
        self,
        request: Request[User, Any, Any],
        topic_id: TopicId,
        topics: TopicsDep,
    ) -> Any:
        form = await request.form()
        try:
            await topics.decide(
                request.user, topic_id, {"outcome": form.get("outcome") or "", "note": form.get("note") or ""}
            )
        except AppError as exc:
            return await _leader_page(request, topics, error=exc)
        return Redirect("/leader", status_code=303)
