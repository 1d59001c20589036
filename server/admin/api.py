"""Administration API v1: the office keeps the bureau's set-up by program."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from ..accounts.guards import roles
from ..api import TopicId
from ..errors import Invalid, NotFound
from ..i18n import gettext as _
from ..i18n import lang
from ..models import Role
from ..web import UserRequest
from .imports import KINDS, MAX_IMPORT_BYTES, template_xlsx
from .presenters import campaign_json, site_json, unit_json, user_json
from .service import AdminService
from .supervision import TopicService, topic_json

AdminDep = NamedDependency[AdminService]
TopicsDep = NamedDependency[TopicService]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _json(request: Request[Any, Any, Any]) -> Any:
    try:
        return await request.json()
    except Exception as exc:  # a body that is not JSON is the caller's mistake
        raise Invalid(
            _("The body must be JSON."), errors=[{"field": "", "message": _("Not valid JSON.")}]
        ) from exc


def _status(outcome: str) -> int:
    return 201 if outcome == "created" else 200


def _upsert(path: str, action: str, name: str = "code") -> Any:
    """PUT `path`: AdminService.`action` creates or updates the record its path parameter names
    from the JSON body; 201 when created, 200 otherwise."""
    param = path.rsplit("{", 1)[1].split(":", 1)[0]

    async def handler(self, request: UserRequest, admin: AdminDep) -> Response[Any]:
        key = request.path_params[param]
        outcome = await getattr(admin, action)(request.user, key, await _json(request))
        return Response({name: key, "result": outcome}, status_code=_status(outcome))

    handler.__name__ = action
    return put(path)(handler)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(_("Imports are for: %(kinds)s.", kinds=", ".join(KINDS)))
    return kind


class AdminApiController(Controller):
    path = "/api/v1/admin"
    guards = [roles(Role.office)]
    request_max_body_size = MAX_IMPORT_BYTES + 1024

    @get("/units")
    async def units(self, admin: AdminDep) -> list[dict[str, Any]]:
        units = await admin.units()
        by_id = {u.id: u for u in units}
        users = {u.id: u for u in await admin.users()}
        return [unit_json(u, by_id, users, lang()) for u in units]

    put_unit = _upsert("/units/{code:str}", "put_unit")

    @get("/users")
    async def users(self, admin: AdminDep) -> list[dict[str, Any]]:
        return [user_json(u, lang()) for u in await admin.users()]

    @put("/users/{username:str}")
    async def put_user(self, request: UserRequest, username: FromPath[str], admin: AdminDep) -> Response[Any]:
        outcome, secret = await admin.put_user(request.user, username, await _json(request))
        body: dict[str, Any] = {"username": username, "result": outcome}
        if secret:
            body.update(one_time_password=secret["one_time_password"], expires_at=secret["expires_at"])
        return Response(body, status_code=_status(outcome), headers={"Cache-Control": "no-store"})

    @post("/users/{username:str}/reset-password", status_code=200)
    async def reset_password(
        self, request: UserRequest, username: FromPath[str], admin: AdminDep
    ) -> Response[Any]:
        secret = await admin.reset_password(request.user, username)
        return Response(secret, headers={"Cache-Control": "no-store"})

    @get("/campaigns")
    async def campaigns(self, admin: AdminDep) -> list[dict[str, Any]]:
        return [campaign_json(c, v, lang()) for c, v in await admin.campaign_list()]

    put_campaign = _upsert("/campaigns/{code:str}", "put_campaign")

    @put("/campaigns/{code:str}/checklist")
    async def put_checklist(
        self, request: UserRequest, code: FromPath[str], admin: AdminDep
    ) -> Response[Any]:
        outcome, version = await admin.put_checklist(request.user, code, await _json(request))
        return Response(
            {"campaign": code, "version": version, "result": outcome}, status_code=_status(outcome)
        )

    @get("/sites")
    async def sites(self, admin: AdminDep) -> list[dict[str, Any]]:
        return [site_json(s, lang()) for s in await admin.sites()]

    put_site = _upsert("/sites/{code:str}", "put_site")

    @get("/contact-points")
    async def contact_points(self, admin: AdminDep) -> list[dict[str, Any]]:
        users = {u.id: u for u in await admin.users()}
        return [
            {"leader": users[leader].username, "units": [c.unit.code for c in points]}
            for leader, points in (await admin.contact_points()).items()
        ]

    put_contact_points = _upsert("/contact-points/{username:str}", "put_contact_points", "leader")

    @post("/import/{kind:str}", status_code=200)
    async def import_file(
        self, request: UserRequest, kind: FromPath[str], admin: AdminDep, dry_run: FromQuery[bool] = False
    ) -> Response[Any]:
        content = await request.body()
        result = await admin.import_file(request.user.id, _kind(kind), content, dry_run=dry_run)
        return Response(result, headers={"Cache-Control": "no-store"})

    @get("/import/{kind:str}/template.xlsx")
    async def template(self, kind: FromPath[str]) -> Response[bytes]:
        return Response(
            template_xlsx(_kind(kind)),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="xuncha-{kind}-template.xlsx"'},
        )


def _on_topic(route: Any, name: str, action: str, *, reads_body: bool = True) -> Any:
    """`route` under /{topic_id}: TopicService.`action`, with the JSON body when `reads_body`;
    answers the topic as it now is."""

    async def handler(self, request: UserRequest, topic_id: TopicId, topics: TopicsDep) -> dict[str, Any]:
        body = (await _json(request),) if reads_body else ()
        return topic_json(await getattr(topics, action)(request.user, topic_id, *body), lang())

    handler.__name__ = name
    return route(handler)


class TopicApiController(Controller):
    """Topic supervision (点题监督): leaders set, units answer, leaders accept or send back."""

    path = "/api/v1/topics"
    guards = [roles(Role.lead, Role.handler, Role.office)]

    @get("/")
    async def list_topics(self, request: UserRequest, topics: TopicsDep) -> list[dict[str, Any]]:
        return [topic_json(t, lang()) for t in await topics.list_for(request.user)]

    @post("/", status_code=201)
    async def set_topic(self, request: UserRequest, topics: TopicsDep) -> dict[str, Any]:
        return topic_json(await topics.set_topic(request.user, await _json(request)), lang())

    topic = _on_topic(get("/{topic_id:int}"), "topic", "get", reads_body=False)
    answer = _on_topic(post("/{topic_id:int}/answer", status_code=200), "answer", "answer")
    decide = _on_topic(post("/{topic_id:int}/decide", status_code=200), "decide", "decide")
