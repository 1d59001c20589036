"""The bulletins' pages: the list with the office's form to draft one, and the printable bulletin."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ..accounts.guards import roles
from ..api import uuid_or_404
from ..deps import BulletinsDep, CampaignsDep, PhotosDep
from ..errors import AppError, NotFound
from ..forms import field_errors, form_values
from ..i18n import gettext as _
from ..models import Role, User
from ..photos.store import PhotoMissing, derived_key
from ..web import page
from .api import summary_json
from .files import publisher
from .sections import cell_text, chinese_numeral, outline
from .service import stored_figures

READERS = roles(Role.office, Role.lead, Role.handler)


async def _list_page(
    request: Request[User, Any, Any],
    bulletins: Any,
    campaigns: Any,
    *,
    values: dict[str, str] | None = None,
    error: AppError | None = None,
    status_code: int = 200,
) -> Template:
    listed = [summary_json(b, stored_figures(b)) for b in await bulletins.list(request.user)]
    return page(
        request,
        "bulletins/list.html",
        status_code=status_code,
        bulletins=listed,
        campaigns=list((await campaigns.reference()).campaigns.values()),
        values=values or {"kind": "monthly"},
        error=error,
        field_errors=field_errors(error),
    )


class BulletinPages(Controller):
    path = "/bulletins"
    include_in_schema = False

    @get("/", guards=[READERS])
    async def index(
        self, request: Request[User, Any, Any], bulletins: BulletinsDep, campaigns: CampaignsDep
    ) -> Template:
        return await _list_page(request, bulletins, campaigns)

    @post("/", guards=[roles(Role.office)], status_code=303)
    async def create(
        self, request: Request[User, Any, Any], bulletins: BulletinsDep, campaigns: CampaignsDep
    ) -> Any:
        values = form_values(await request.form())
        body = {
            "kind": values.get("kind", ""),
            "period": values.get("period", "").strip(),
            "campaign": values.get("campaign") or None,
        }
        try:
            bulletin = await bulletins.create(request.user, body)
        except AppError as exc:
            return await _list_page(
                request, bulletins, campaigns, values=values, error=exc, status_code=exc.status_code
            )
        return Redirect(f"/bulletins/{bulletin.id}", status_code=303)

    @get("/{bulletin_id:int}", guards=[READERS])
    async def show(
        self, request: Request[User, Any, Any], bulletin_id: FromPath[int], bulletins: BulletinsDep
    ) -> Template:
        bulletin = await bulletins.get(request.user, bulletin_id)
        figures = stored_figures(bulletin)
        zone = ZoneInfo(bulletins.settings.timezone)
        return page(
            request,
            "bulletins/show.html",
            bulletin=bulletin,
            summary=summary_json(bulletin, figures),
            figures=figures,
            outline=outline(figures),
            published=publisher(figures),
            generated=datetime.fromisoformat(figures["generated_at"]),
            last_day=datetime.fromisoformat(figures["end"]) - timedelta(days=1),
            cell=lambda value, kind: cell_text(value, kind, zone),
            numeral=chinese_numeral,
            done=request.query_params.get("done"),
        )

    @post("/{bulletin_id:int}", guards=[roles(Role.office)], status_code=303)
    async def act(self, request: Request[User, Any, Any], bulletins: BulletinsDep) -> Redirect:
        """The draft's buttons: `action` is publish or regenerate."""
        bulletin_id = int(request.path_params["bulletin_id"])
        action = str((await request.form()).get("action") or "")
        await bulletins.step(request.user, bulletin_id, action)
        return Redirect(f"/bulletins/{bulletin_id}?done={action}", status_code=303)

    @get("/{bulletin_id:int}/photos/{photo_uuid:str}", guards=[READERS])
    async def photo(
        self,
        request: Request[User, Any, Any],
        bulletin_id: FromPath[int],
        photo_uuid: FromPath[str],
        bulletins: BulletinsDep,
        photos: PhotosDep,
    ) -> Response[bytes]:
        """A notable case's thumbnail, to whoever may read the bulletin that shows it."""
        wanted = uuid_or_404(photo_uuid, "The photo UUID")
        bulletin = await bulletins.get(request.user, bulletin_id)
        cases = stored_figures(bulletin)["sections"].get("cases", {"rows": []})["rows"]
        shown = {p["uuid"]: p["sha256"] for row in cases for p in (row["before"], row["after"])}
        if wanted not in shown:
            raise NotFound(_("This bulletin shows no such photo."))
        try:
            data = await anyio.to_thread.run_sync(photos.store.get, derived_key("thumb", shown[wanted]))
        except (PhotoMissing, OSError, ValueError):
            raise NotFound(_("This photo's file is no longer kept.")) from None
        return Response(
            data,
            media_type="image/jpeg",
            headers={
                "Cache-Control": "private, max-age=31536000, immutable",
                "Content-Disposition": f'inline; filename="{wanted}-thumb.jpg"',
            },
        )
