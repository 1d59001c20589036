"""The bureau leader's contact points page (/leader) and the topic pages of leaders and units."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, get, post
from litestar.response import Template

from ..accounts.guards import roles
from ..api import TopicId
from ..deps import SettingsDep
from ..errors import AppError
from ..forms import typed_values
from ..models import Role, utcnow
from ..web import UserRequest, form_page, form_step
from .api import TopicsDep


async def _leader_page(
    request: UserRequest, topics: Any, *, error: AppError | None = None, values: dict[str, Any] | None = None
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


async def _topics_page(request: UserRequest, topics: Any, error: AppError | None = None) -> Template:
    return form_page(
        request, "admin/topics.html", error, topics=await topics.list_for(request.user), now=utcnow()
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
    async def leader(self, request: UserRequest, topics: TopicsDep) -> Template:
        return await _leader_page(request, topics)

    @post("/leader/topics", guards=[roles(Role.lead)], status_code=303)
    async def set_topic(self, request: UserRequest, topics: TopicsDep, settings: SettingsDep) -> Any:
        form = typed_values(await request.form())
        body = {**form, "deadline": _deadline(form.get("deadline", ""), ZoneInfo(settings.timezone))}
        return await form_step(
            topics.set_topic(request.user, body),
            "/leader",
            lambda exc: _leader_page(request, topics, error=exc, values=form),
        )

    @get("/topics", guards=[roles(Role.handler, Role.lead, Role.office)])
    async def topic_list(self, request: UserRequest, topics: TopicsDep) -> Template:
        return await _topics_page(request, topics)

    @post("/topics/{topic_id:int}/answer", guards=[roles(Role.handler)], status_code=303)
    async def answer(self, request: UserRequest, topic_id: TopicId, topics: TopicsDep) -> Any:
        form = await request.form()
        answer = topics.answer(request.user, topic_id, {"answer": form.get("answer") or ""})
        return await form_step(answer, "/topics", lambda exc: _topics_page(request, topics, exc))

    @post("/topics/{topic_id:int}/decide", guards=[roles(Role.lead)], status_code=303)
    async def decide(self, request: UserRequest, topic_id: TopicId, topics: TopicsDep) -> Any:
        form = await request.form()
        body = {"outcome": form.get("outcome") or "", "note": form.get("note") or ""}
        decision = topics.decide(request.user, topic_id, body)
        return await form_step(decision, "/leader", lambda exc: _leader_page(request, topics, error=exc))
