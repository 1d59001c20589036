"""The office's administration pages under /admin: plain forms over the same services as the API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ..accounts.guards import roles
from ..deps import SettingsDep
from ..errors import AppError, NotFound
from ..forms import typed_values
from ..i18n import gettext as _
from ..i18n import lang
from ..labels import N_
from ..models import Role
from ..settings import Settings
from ..web import UserRequest, form_page, form_step, page
from . import forms
from .api import AdminDep
from .imports import KINDS, MAX_IMPORT_BYTES

# Marked for extraction; translated where shown, in the reader's language.
ENTITIES = {
    "units": N_("Units"),
    "users": N_("Accounts"),
    "campaigns": N_("Campaigns"),
    "sites": N_("Sites"),
}


async def _entity_page(
    request: UserRequest,
    admin: Any,
    settings: Settings,
    entity: str,
    *,
    values: dict[str, Any] | None = None,
    error: AppError | None = None,
    secret: dict[str, Any] | None = None,
) -> Template:
    language = lang()
    units = await admin.units()
    users = await admin.users()
    by_id = {u.id: u for u in units}
    users_by_id = {u.id: u for u in users}
    extra: dict[str, Any] = {}
    if entity == "units":
        rows = [forms.unit_row(u, by_id, users_by_id, language) for u in units]
        fields = forms.unit_fields(units, users, language)
    elif entity == "users":
        rows = [forms.user_row(u) | {"last_login": u.last_login_at} for u in users]
        fields = forms.user_fields(units, language)
    elif entity == "campaigns":
        listed = await admin.campaign_list()
        rows = [forms.campaign_row(c) | {"version": v} for c, v in listed]
        fields = forms.campaign_fields(units, users, language)
    else:
        sites = await admin.sites()
        rows = [forms.site_row(s) for s in sites]
        fields = forms.site_fields(units, language)
        extra["map_points"] = [
            {"code": s.code, "name": s.name(language), "lat": s.lat, "lon": s.lon, "active": s.active}
            for s in sites
        ]
        extra["tile_url"] = settings.tile_url or ""
    editing = request.query_params.get("edit")
    if values is None and editing:
        values = next((r for r in rows if r["code"] == editing), None)
    return form_page(
        request,
        "admin/entity.html",
        error,
        entity=entity,
        entities=ENTITIES,
        title=ENTITIES[entity],
        rows=rows,
        fields=fields,
        values=values or {"active": "true"},
        editing=bool(editing) or bool(values and values.get("code") and error is None),
        done=request.query_params.get("done"),
        secret=secret,
        **extra,
    )


class AdminPages(Controller):
    path = "/admin"
    guards = [roles(Role.office)]
    include_in_schema = False

    @get("/")
    async def home(self, request: UserRequest, admin: AdminDep) -> Template:
        counts = {
            "units": len(await admin.units()),
            "users": len(await admin.users()),
            "campaigns": len(await admin.campaign_list()),
            "sites": len(await admin.sites()),
        }
        return page(request, "admin/home.html", entities=ENTITIES, counts=counts, kinds=KINDS)

    # Spelled out: a path parameter here would lose to /users/... and /campaigns/... below.
    @get(["/units", "/users", "/campaigns", "/sites"])
    async def entity(self, request: UserRequest, admin: AdminDep, settings: SettingsDep) -> Template:
        return await _entity_page(request, admin, settings, _entity_of(request))

    @post(["/units", "/users", "/campaigns", "/sites"], status_code=303)
    async def save(self, request: UserRequest, admin: AdminDep, settings: SettingsDep) -> Any:
        entity = _entity_of(request)
        values = typed_values(await request.form())
        code = (values.get("code") or "").strip()
        body = {k: v for k, v in values.items() if k != "code"}
        secret = None
        try:
            if entity == "units":
                await admin.put_unit(request.user, code, body)
            elif entity == "users":
                _outcome, secret = await admin.put_user(request.user, code, body)
            elif entity == "campaigns":
                await admin.put_campaign(request.user, code, body)
            else:
                await admin.put_site(request.user, code, body)
        except AppError as exc:
            return await _entity_page(request, admin, settings, entity, values=values, error=exc)
        if secret:
            # Shown once, on this answer only: never in a URL, never again.
            return await _entity_page(request, admin, settings, entity, secret=secret)
        return Redirect(f"/admin/{entity}?done={code}", status_code=303)

    @post("/users/{username:str}/reset-password", status_code=200)
    async def reset(
        self, request: UserRequest, username: FromPath[str], admin: AdminDep, settings: SettingsDep
    ) -> Template:
        secret = await admin.reset_password(request.user, username)
        response = await _entity_page(
            request, admin, settings, "users", secret={"username": username, **secret}
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @get("/campaigns/{code:str}/checklist")
    async def checklist(self, request: UserRequest, code: FromPath[str], admin: AdminDep) -> Template:
        campaign, version = await _campaign(admin, code)
        text = forms.checklist_text([i for i in campaign.items if i.active])
        return _checklist_page(request, campaign, version, text)

    @post("/campaigns/{code:str}/checklist", status_code=303)
    async def save_checklist(self, request: UserRequest, code: FromPath[str], admin: AdminDep) -> Any:
        campaign, version = await _campaign(admin, code)
        text = str((await request.form()).get("items") or "")
        saved = admin.put_checklist(request.user, code, {"items": forms.checklist_items(text)})

        async def refused(exc: AppError) -> Template:
            return _checklist_page(request, campaign, version, text, exc)

        return await form_step(
            saved, lambda result: f"/admin/campaigns/{code}/checklist?done={result[1]}", refused
        )

    @get("/import")
    async def import_page(self, request: UserRequest) -> Template:
        return _import_page(request)

    @post("/import", status_code=200, request_max_body_size=MAX_IMPORT_BYTES + 64 * 1024)
    async def import_submit(self, request: UserRequest, admin: AdminDep) -> Response[Any]:
        form = await request.form()
        kind = str(form.get("kind") or "")
        upload = form.get("file")
        result = error = None
        try:
            if kind not in KINDS:
                raise NotFound(_("Imports are for: %(kinds)s.", kinds=", ".join(KINDS)))
            content = await upload.read() if isinstance(upload, UploadFile) else b""
            result = await admin.import_file(
                request.user.id, kind, content, dry_run=form.get("dry_run") == "1"
            )
        except AppError as exc:
            error = exc
        response = _import_page(request, kind, result, error)
        response.headers["Cache-Control"] = "no-store"
        return response

    @get("/contact-points")
    async def contact_points(self, request: UserRequest, admin: AdminDep) -> Template:
        return await _contact_page(request, admin)

    @post("/contact-points/{username:str}", status_code=303)
    async def save_contact_points(
        self, request: UserRequest, username: FromPath[str], admin: AdminDep
    ) -> Any:
        form = await request.form()
        units = [v for v in form.getall("units", []) if isinstance(v, str)]
        return await form_step(
            admin.put_contact_points(request.user, username, {"units": units}),
            f"/admin/contact-points?done={username}",
            lambda exc: _contact_page(request, admin, error=exc, leader=username),
        )


def _checklist_page(
    request: UserRequest, campaign: Any, version: int, text: str, error: AppError | None = None
) -> Template:
    return form_page(
        request,
        "admin/checklist.html",
        error,
        campaign=campaign,
        version=version,
        text=text,
        done=request.query_params.get("done"),
    )


def _import_page(
    request: UserRequest, kind: str | None = None, result: Any = None, error: AppError | None = None
) -> Template:
    return form_page(
        request,
        "admin/import.html",
        error,
        kinds=KINDS,
        result=result,
        kind=kind,
        limit_mb=MAX_IMPORT_BYTES // 2**20,
    )


def _entity_of(request: Request[Any, Any, Any]) -> str:
    return request.url.path.rstrip("/").rsplit("/", 1)[-1]


async def _campaign(admin: Any, code: str) -> tuple[Any, int]:
    for campaign, version in await admin.campaign_list():
        if campaign.code == code:
            return campaign, version
    raise NotFound(_("There is no campaign %(code)s.", code=code))


async def _contact_page(
    request: UserRequest, admin: Any, *, error: AppError | None = None, leader: str | None = None
) -> Template:
    users = await admin.users()
    points = await admin.contact_points()
    return page(
        request,
        "admin/contact_points.html",
        status_code=error.status_code if error else 200,
        leaders=[u for u in users if u.role == Role.lead and u.active],
        units=[u for u in await admin.units() if u.active],
        followed={leader_id: {c.unit.code for c in rows} for leader_id, rows in points.items()},
        error=error,
        error_leader=leader,
        done=request.query_params.get("done"),
    )


__all__ = ["AdminPages", "FromQuery"]
