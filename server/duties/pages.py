"""The year's calendar pages: /duties (the office's and a lead's matrix of duties by unit, a unit's
own list) and /duties/{id} (a duty, its answers, and the unit's upload form). Plain forms first."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from ..accounts.guards import roles
from ..deps import DutiesDep, DutyAnswersDep
from ..documents.uploads import read_part
from ..errors import AppError
from ..forms import form_values
from ..models import Role, Unit, utcnow
from ..photos.forms import FORM_BODY_LIMIT
from ..web import UserRequest, form_page, form_step
from .answers import DUTY_DOCUMENTS
from .api import DutyId, Year
from .presenters import BULLETINS, file_url
from .service import BUREAU_REPORT, LATE_STATUSES, DutyService, DutyView


def matrix(views: list[DutyView], late_only: bool) -> list[tuple[Unit, list[Any]]]:
    """Units (rows) by duties (columns): each cell the unit's answer, or None when not asked."""
    units: dict[int, Unit] = {}
    for view in views:
        for row in view.answers:
            units.setdefault(row.unit.id, row.unit)
    rows = []
    for unit in sorted(units.values(), key=lambda u: u.code):
        cells = [view.answer_of(unit.id) for view in views]
        if late_only and not any(c is not None and c.status in LATE_STATUSES for c in cells):
            continue
        rows.append((unit, cells))
    return rows


async def calendar_page(
    request: UserRequest,
    duties: DutyService,
    year: int | None,
    late: bool,
    *,
    error: AppError | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    user = request.user
    year = year or duties.current_year()
    views = await duties.views(user, year=year)
    return form_page(
        request,
        "duties/calendar.html",
        error,
        year=year,
        late=late,
        views=views,
        rows=matrix(views, late) if user.role != Role.handler else [],
        units=await duties.active_units() if user.role == Role.office else [],
        values=values or {"year": str(year), "scope": "all"},
        file_url=file_url,
        bureau_report=BUREAU_REPORT,
        bulletins=BULLETINS,
    )


async def duty_page(
    request: UserRequest,
    duties: DutyService,
    duty_id: int,
    *,
    error: AppError | None = None,
    saved: bool = False,
) -> Template:
    user = request.user
    view = await duties.view(user, duty_id)
    mine = view.answer_of(user.unit_id) if user.role in (Role.handler, Role.office) else None
    return form_page(
        request,
        "duties/duty.html",
        error,
        view=view,
        mine=mine,
        # A replacement is taken until the deadline; a first answer at any time, marked late after it.
        may_answer=mine is not None and (not mine.versions or mine.status == "on_time" and not _past(view)),
        past=_past(view),
        saved=saved,
        file_url=file_url,
        accept=DUTY_DOCUMENTS.attribute,
        limit_mb=duties.settings.max_duty_file_bytes / 2**20,
        bulletins=BULLETINS if view.duty.code == BUREAU_REPORT else None,
    )


def _past(view: DutyView) -> bool:
    return utcnow() >= view.deadline


class DutyPages(Controller):
    path = "/duties"
    include_in_schema = False

    @get("/", guards=[roles(Role.office, Role.lead, Role.handler)])
    async def calendar(
        self, request: UserRequest, duties: DutiesDep, year: Year = None, late: FromQuery[str] = ""
    ) -> Template:
        return await calendar_page(request, duties, year, late == "1")

    @post("/", guards=[roles(Role.office)], status_code=303)
    async def create(self, request: UserRequest, duties: DutiesDep) -> Any:
        form = await request.form()
        values: dict[str, Any] = form_values(form)
        chosen = [v for v in form.getall("units", []) if isinstance(v, str)]
        body = {k: v for k, v in values.items() if k not in ("_csrf", "scope", "units")}
        body["units"] = chosen if values.get("scope") == "chosen" else "all"

        async def refused(exc: AppError) -> Template:
            values["chosen"] = chosen
            year = int(values["year"]) if values.get("year", "").isdigit() else None
            return await calendar_page(request, duties, year, False, error=exc, values=values)

        return await form_step(duties.create(request.user, body), lambda duty: f"/duties/{duty.id}", refused)

    @get("/{duty_id:int}", guards=[roles(Role.office, Role.lead, Role.handler)])
    async def duty(
        self, request: UserRequest, duty_id: DutyId, duties: DutiesDep, saved: FromQuery[str] = ""
    ) -> Template:
        return await duty_page(request, duties, duty_id, saved=saved == "1")

    # A form's file part above 1 MB is spooled to disk by the multipart parser; the document's own
    # limit (XUNCHA_MAX_DUTY_FILE_BYTES) is checked on the part.
    @post(
        "/{duty_id:int}/answer",
        guards=[roles(Role.handler, Role.office)],
        request_max_body_size=FORM_BODY_LIMIT,
    )
    async def answer(
        self, request: UserRequest, duty_id: DutyId, duty_answers: DutyAnswersDep
    ) -> Template | Redirect:
        user = request.user

        async def upload() -> None:
            target = await duty_answers.target(user, duty_id, user.unit.code)
            form = await request.form()
            part = await read_part(form.get("file"), duty_answers.settings.max_duty_file_bytes)
            data, filename = part or (b"", None)
            await duty_answers.answer(user, target, data, filename)

        return await form_step(
            upload(),
            f"/duties/{duty_id}?saved=1",
            lambda exc: duty_page(request, duty_answers.duties, duty_id, error=exc),
        )
