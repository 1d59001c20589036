"""The bulletins API: draft, regenerate, publish, list and read, as JSON, PDF and XLSX."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from msgspec import Meta, Struct

from ..accounts.guards import logged_in
from ..api import BulletinId, read_json, shaped
from ..deps import BulletinsDep, PhotosDep, SettingsDep
from ..documents.download import PDF, XLSX, download
from ..errors import NotFound
from ..i18n import gettext as _
from ..models import Bulletin, User
from .files import bulletin_pdf, bulletin_xlsx, file_name
from .service import stored_figures

_NAME = re.compile(r"^(\d{1,9})(?:\.(pdf|xlsx))?$")


class BulletinSummary(Struct, forbid_unknown_fields=True):
    id: int
    kind: Annotated[str, Meta(description="monthly, quarterly or annual")]
    period: Annotated[str, Meta(description="2026-10, 2026-Q3 or 2026")]
    campaign: Annotated[
        str | None, Meta(description="The campaign's code; null for the bureau-wide bulletin.")
    ]
    title: str
    status: Annotated[str, Meta(description="draft or published")]
    generated_at: str
    published_at: str | None
    published_by: str | None
    links: dict[str, str]


class BulletinOut(BulletinSummary, forbid_unknown_fields=True):
    figures: Annotated[dict[str, Any], Meta(description="The sections' figures (docs/bulletins.md).")]


def summary_json(bulletin: Bulletin, figures: dict[str, Any]) -> dict[str, Any]:
    published = figures.get("published") or {}
    base = f"/api/v1/bulletins/{bulletin.id}"
    return {
        "id": bulletin.id,
        "kind": bulletin.kind,
        "period": bulletin.period,
        "campaign": (figures.get("campaign") or {}).get("code"),
        "title": figures["title"],
        "status": bulletin.status,
        "generated_at": figures["generated_at"],
        "published_at": published.get("at"),
        "published_by": published.get("by"),
        "links": {
            "json": base,
            "pdf": f"{base}.pdf",
            "xlsx": f"{base}.xlsx",
            "page": f"/bulletins/{bulletin.id}",
        },
    }


def bulletin_json(bulletin: Bulletin) -> dict[str, Any]:
    figures = stored_figures(bulletin)
    return summary_json(bulletin, figures) | {"figures": figures["sections"]}


class BulletinApiController(Controller):
    path = "/api/v1/bulletins"
    guards = [logged_in]
    tags = ["assessment"]

    @post("/", status_code=201, request_max_body_size=4096)
    async def create(self, request: Request[User, Any, Any], bulletins: BulletinsDep) -> BulletinOut:
        """Draft a bulletin (office only) for a period that has ended: `{"kind", "period", "campaign"}`."""
        bulletin = await bulletins.create(request.user, await read_json(request))
        return shaped(bulletin_json(bulletin), BulletinOut)

    @get("/")
    async def index(self, request: Request[User, Any, Any], bulletins: BulletinsDep) -> list[BulletinSummary]:
        """The bulletins the reader may see, the latest period first."""
        return [
            shaped(summary_json(b, stored_figures(b)), BulletinSummary)
            for b in await bulletins.list(request.user)
        ]

    @get(
        "/{name:str}",
        description=(
            "`/api/v1/bulletins/{id}` answers the bulletin as JSON; `{id}.pdf` and `{id}.xlsx` "
            "answer its PDF and XLSX, drawn from the same stored figures."
        ),
    )
    async def read(
        self,
        request: Request[User, Any, Any],
        name: FromPath[str],
        bulletins: BulletinsDep,
        photos: PhotosDep,
        settings: SettingsDep,
    ) -> Response[Any]:
        """A bulletin as JSON, or its PDF or XLSX by the name's extension."""
        match = _NAME.match(name)
        if match is None:
            raise NotFound(_("There is no bulletin %(id)s.", id=name[:20]))
        bulletin = await bulletins.get(request.user, int(match.group(1)))
        extension = match.group(2)
        if extension is None:
            return Response(shaped(bulletin_json(bulletin), BulletinOut))
        filename, ascii_name = file_name(bulletin, extension)
        if extension == "pdf":
            content = await bulletin_pdf(photos.store, settings, bulletin)
            return download(content, filename, PDF, inline=True, ascii_name=ascii_name)
        content = await bulletin_xlsx(settings, bulletin)
        return download(content, filename, XLSX, ascii_name=ascii_name)

    @post("/{bulletin_id:int}/{action:str}", status_code=200)
    async def step(
        self,
        request: Request[User, Any, Any],
        bulletin_id: BulletinId,
        action: FromPath[str],
        bulletins: BulletinsDep,
    ) -> BulletinOut:
        """`publish` freezes a draft's figures and records who published it and when; `regenerate`
        computes a draft's figures again from the records as they are now. Both are 409 once published."""
        bulletin = await bulletins.step(request.user, bulletin_id, action)
        return shaped(bulletin_json(bulletin), BulletinOut)
