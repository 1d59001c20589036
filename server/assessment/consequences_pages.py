"""The pages of what follows from a rating: the office's results per period and its forms per
unit, and the notices with the unit's answer form (docs/consequences.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from ..accounts.guards import roles
from ..deps import ConsequencesDep, UnitNoticesDep
from ..documents.dates import format_date
from ..documents.qr import qr_svg
from ..errors import AppError, Invalid, NotFound
from ..findings.notice_pdf import NO_PUBLIC_URL
from ..forms import typed_values
from ..i18n import gettext as _
from ..i18n import lang
from ..models import Role, utcnow
from ..photos.forms import FORM_BODY_LIMIT
from ..web import UserRequest, form_page, form_step, page
from .consequences_api import NoticeId
from .notice_pdf import opening, unit_notice_data
from .notices import NOTICE_DOCUMENTS, NoticeQuery, answer_document
from .periods import parse_period

# The office's forms on a unit's results: the ConsequenceService call each makes its record with.
RECORDS = {
    "notice": "notices.issue",
    "interview": "interview",
    "eligibility": "remove_eligibility",
    "praise": "praise",
}
ACTIONS = tuple(RECORDS)
READERS = (Role.office, Role.lead, Role.handler)


def _default_period() -> str:
    return str(utcnow().year)


def _notice_url(notice: Any) -> str:
    return f"/assessment/notices/{notice.id}"


def _with_zone(value: str, zone: ZoneInfo) -> str:
    """A datetime-local field's value in the bureau's clock (it has no offset of its own)."""
    try:
        parsed = datetime.fromisoformat(value) if value and len(value) > 10 else None
    except ValueError:
        return value
    if parsed is None or parsed.tzinfo is not None:
        return value
    return parsed.replace(tzinfo=zone).isoformat()


async def _results_page(request: UserRequest, consequences: Any, period_key: str) -> Template:
    period = parse_period(period_key)
    scores = consequences.scores
    rows = await scores.scores(await scores.visible_units(request.user) or [], period)
    records = await consequences.for_period(period, lang=lang())
    by_unit: dict[str, dict[str, list[Any]]] = {}
    for kind in ("notices", "interviews", "eligibility_losses", "praises"):
        for record in records[kind]:
            by_unit.setdefault(record["unit"]["code"], {}).setdefault(kind, []).append(record)
    return page(
        request,
        "assessment/results.html",
        period=period.key,
        rows=rows,
        records=by_unit,
        overdue=await consequences.notices.list_for(request.user, NoticeQuery(overdue=True)),
    )


async def _unit_page(
    request: UserRequest,
    consequences: Any,
    period_key: str,
    unit_code: str,
    *,
    error: AppError | None = None,
    action: str | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    period = parse_period(period_key)
    unit = await consequences.scores.scored_unit(unit_code)
    if unit is None:
        raise NotFound(_("There is no unit %(code)s that the assessment scores.", code=unit_code[:40]))
    (score,) = await consequences.scores.scores([unit], period)
    return form_page(
        request,
        "assessment/unit.html",
        error,
        period=period.key,
        unit=unit,
        score=score,
        records=await consequences.for_period(period, {unit.id}, lang()),
        problems=await consequences.notices.prefill(period.key, unit.code),
        action=action,
        values=values or {},
    )


async def _notice_page(
    request: UserRequest,
    unit_notices: Any,
    notice_id: int,
    *,
    error: AppError | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    notice = await unit_notices.get(request.user, notice_id)
    data = unit_notice_data(notice, unit_notices.settings)
    return form_page(
        request,
        "assessment/notice.html",
        error,
        notice=notice,
        data=data,
        opening=opening(data),
        date_text=format_date,
        verify_qr=qr_svg(data.verify_url, "核验二维码") if data.verify_url else None,
        no_public_url=NO_PUBLIC_URL,
        values=values or {},
        now=utcnow(),
        accept=NOTICE_DOCUMENTS.attribute,
    )


async def _on_notice(
    request: UserRequest, unit_notices: Any, notice_id: int, act: Callable[[Any], Awaitable[Any]]
) -> Any:
    """Do `act` with the posted form, then show the notice again; a refusal shows it with the
    errors and what was typed."""
    form = await request.form()

    async def refused(exc: AppError) -> Template:
        return await _notice_page(request, unit_notices, notice_id, error=exc, values=typed_values(form))

    return await form_step(act(form), f"/assessment/notices/{notice_id}", refused)


class ConsequencePages(Controller):
    include_in_schema = False

    @get("/assessment/results", guards=[roles(Role.office)])
    async def results(
        self, request: UserRequest, consequences: ConsequencesDep, period: FromQuery[str | None] = None
    ) -> Template:
        """The ratings of a period with what follows from each, and the notices past their deadline."""
        return await _results_page(request, consequences, period or _default_period())

    @get("/assessment/results/{period:str}/{unit:str}", guards=[roles(Role.office)])
    async def unit_results(
        self, request: UserRequest, period: FromPath[str], unit: FromPath[str], consequences: ConsequencesDep
    ) -> Template:
        """One unit's rating for the period, its records, and the office's four forms."""
        return await _unit_page(request, consequences, period, unit)

    @post(
        "/assessment/results/{period:str}/{unit:str}/{action:str}",
        guards=[roles(Role.office)],
        status_code=303,
    )
    async def act(self, request: UserRequest, action: FromPath[str], consequences: ConsequencesDep) -> Any:
        if action not in ACTIONS:
            raise NotFound(_("There is no such action."))
        period, unit = request.path_params["period"], request.path_params["unit"]
        values = typed_values(await request.form())
        body = {k: v for k, v in values.items() if v.strip()}
        body.update(period=period, unit=unit)
        if "held_at" in body:
            body["held_at"] = _with_zone(body["held_at"], consequences.rules.zone)
        record = attrgetter(RECORDS[action])(consequences)(request.user, body)
        # A notice is shown on its own page; the other records on the unit's.
        done = _notice_url if action == "notice" else f"/assessment/results/{period}/{unit}"

        async def refused(exc: AppError) -> Template:
            return await _unit_page(
                request, consequences, period, unit, error=exc, action=action, values=values
            )

        return await form_step(record, done, refused)

    @get("/assessment/notices", guards=[roles(*READERS)])
    async def notice_list(
        self, request: UserRequest, unit_notices: UnitNoticesDep, period: FromQuery[str | None] = None
    ) -> Template:
        """The notices the reader may see: a unit its own, with those to answer first."""
        rows = await unit_notices.list_for(request.user, NoticeQuery(period=period or None))
        return page(request, "assessment/notices.html", notices=rows, period=period or "", now_utc=utcnow())

    @get("/assessment/notices/{notice_id:int}", guards=[roles(*READERS)])
    async def notice(
        self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep
    ) -> Template:
        """The printable notice, the unit's answer, and the form the reader may use on it."""
        return await _notice_page(request, unit_notices, notice_id)

    @post(
        "/assessment/notices/{notice_id:int}/answer",
        guards=[roles(Role.handler)],
        status_code=303,
        request_max_body_size=FORM_BODY_LIMIT,
    )
    async def answer(self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep) -> Any:
        async def act(form: Any) -> None:
            document = await answer_document(form.get("document"), unit_notices.settings.max_document_bytes)
            await unit_notices.answer(request.user, notice_id, {"answer": form.get("answer") or ""}, document)

        return await _on_notice(request, unit_notices, notice_id, act)

    @post("/assessment/notices/{notice_id:int}/decide", guards=[roles(Role.office)], status_code=303)
    async def decide(self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep) -> Any:
        async def act(form: Any) -> None:
            outcome = form.get("outcome") or ""
            if outcome not in ("accept", "return"):
                raise Invalid(
                    _("The decision was not recorded; nothing was saved."),
                    errors=[{"field": "outcome", "message": _("Accept the answer or return it.")}],
                )
            note = form.get("note") or ""
            await unit_notices.decide(
                request.user, notice_id, outcome, {"note": note} if note.strip() else {}
            )

        return await _on_notice(request, unit_notices, notice_id, act)
