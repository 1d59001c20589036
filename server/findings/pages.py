"""A finding's page with its workflow steps, and its printable notice.

A plain page with plain forms first: a step is a form that posts back to the page (303), or
gets the page again with the message and the form as it was filled in when it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ..accounts.guards import logged_in
from ..api import FindingId
from ..deps import FindingsDep, WorkflowDep
from ..desk.filters import deadline_mark, render, whole_number
from ..errors import AppError, NotFound
from ..i18n import gettext as _
from ..i18n import ngettext
from ..labels import label
from ..models import FindingStatus, Role, User, utcnow
from ..page_views import PageView, provided_view
from ..web import page
from .audit_text import audit_sentences
from .display import (
    CHECK_FLAG_NAMES,
    DONE,
    EVENT_ACTIONS,
    EVENT_TEXT_LABELS,
    FLAG_NAMES,
    STEPS,
    check_photo_flags,
    deadline_from_form,
    flag_text,
    latest_flags,
    local_input,
)
from .notice import NOTICE, NoticeDep
from .notice_pdf import format_date, format_datetime
from .proposals import proposed_deadline, proposed_unit, rectifying_units
from .service import FindingDetail


@dataclass(frozen=True)
class FindingView(PageView):
    """The finding the path names, with what its page is built from (a handler's `view: FindingViewDep`)."""

    finding_id: FindingId
    findings: FindingsDep

    async def detail(self) -> FindingDetail:
        """The finding with its check, history and rectifications; 404 for one the reader may not see."""
        return await self.findings.detail(self.request.user, self.finding_id)

    async def page(
        self, *, form: Any = None, error: AppError | None = None, status_code: int = 200
    ) -> Template:
        """The page; after a refused step, with the message and the form as it was filled in."""
        request, findings, campaigns, settings = self.request, self.findings, self.campaigns, self.settings
        user = request.user
        detail = await self.detail()
        finding = detail.finding
        zone = ZoneInfo(settings.timezone)
        lead = detail.can_act_as_lead
        hidden = finding.covert and finding.disclosed_at is None
        can_assign = lead and finding.status == FindingStatus.new and not hidden
        flags = latest_flags(detail)
        done = request.query_params.get("done")
        values = {k: v for k, v in (form or {}).items() if isinstance(v, str)}
        # Both an assignment and a rework propose a deadline from the campaign's rule, counted from
        # now: a rework never proposes the deadline the unit has just missed or met.
        campaign = finding.campaign
        default_deadline = proposed_deadline(campaign, finding.severity, utcnow(), zone)
        units = rectifying_units(await campaigns.units()) if can_assign else []
        proposed = proposed_unit(finding, units) if can_assign else None
        is_office = user.role == Role.office
        check_flags = check_photo_flags(detail, settings) if lead else []
        by_photo: dict[int, list[tuple[str, str]]] = {}
        for flag, photo, text in check_flags:
            by_photo.setdefault(photo.id, []).append((flag, text))
        return render(
            request,
            "findings/detail.html",
            status_code,
            detail=detail,
            finding=finding,
            mark=deadline_mark(finding),
            lead=lead,
            can_assign=can_assign,
            can_verify=lead and finding.status == FindingStatus.submitted,
            can_merge=lead and bool(detail.duplicate_candidates),
            can_disclose=user.role == Role.office and hidden,
            hidden=hidden,
            units=units,
            proposed_unit=proposed.code if proposed else "",
            rule_text=rule_text(campaign.deadline_days(finding.severity), finding.severity),
            check_flags=check_flags,
            check_flags_by_photo=by_photo,
            event_text_labels={k: _(v) for k, v in EVENT_TEXT_LABELS.items()},
            flags=[(flag, photo, flag_text(flag, photo, settings)) for flag, photo in flags],
            flag_text=lambda flag, photo: flag_text(flag, photo, settings),
            flag_names={k: _(v) for k, v in {**FLAG_NAMES, **CHECK_FLAG_NAMES}.items()},
            dup_radius=settings.duplicate_radius_m,
            dup_days=settings.duplicate_days,
            event_actions={k: _(v) for k, v in EVENT_ACTIONS.items()},
            done=_(DONE[done]) if done in DONE else None,
            error=error,
            field_errors={e.get("field"): e.get("message") for e in (error.errors if error else [])},
            action=values.get("_action"),
            values=values,
            default_deadline=local_input(default_deadline, zone),
            min_deadline=local_input(utcnow(), zone),
            audit=audit_sentences(
                await findings.audit_trail(detail), finding, {u.id: u for u in await campaigns.units()}, zone
            )
            if is_office
            else None,
        )


FindingViewDep = NamedDependency[FindingView]


class FindingPages(Controller):
    guards = [logged_in]
    dependencies = {**NOTICE, **provided_view(FindingView)}

    @get("/findings/{finding_id:int}")
    async def finding(self, view: FindingViewDep) -> Template:
        return await view.page()

    @post("/findings/{finding_id:int}/{step:str}")
    async def act(
        self, view: FindingViewDep, step: FromPath[str], workflow: WorkflowDep
    ) -> Template | Redirect:
        """A workflow step from the finding's page: back to it (303) with what was done, or the
        page again with the message and the form as it was filled in when the step is refused."""
        if step not in STEPS:
            raise NotFound(_("There is nothing here."))
        form = await view.request.form()
        try:
            done = await take_step(step, view, form, workflow)
        except AppError as exc:
            return await view.page(form=form, error=exc, status_code=exc.status_code)
        return Redirect(f"/findings/{view.finding_id}?done={done}", status_code=303)

    @get("/findings/{finding_id:int}/notice")
    async def notice(self, request: Request[User, Any, Any], notice: NoticeDep) -> Template:
        context = notice.context()
        return page(
            request, "findings/notice.html", date_text=format_date, datetime_text=format_datetime, **context
        )


def rule_text(days: int, severity: str) -> str:
    """The campaign's deadline rule for the finding's severity, said next to the proposed deadline."""
    name = label("severity", severity)
    if days == 0:
        return _("The campaign's rule for %(severity)s findings: the same day.", severity=name)
    return ngettext(
        "The campaign's rule for %(severity)s findings: %(num)s day.",
        "The campaign's rule for %(severity)s findings: %(num)s days.",
        days,
        severity=name,
    )


async def take_step(step: str, view: FindingView, form: Any, workflow: Any) -> str:
    """Run one workflow step from a form's fields; returns what was done, for the message."""
    user, finding_id = view.request.user, view.finding_id
    zone = ZoneInfo(view.settings.timezone)
    if step == "assign":
        deadline = deadline_from_form(form.get("deadline"), zone)
        await workflow.assign(user, finding_id, form.get("unit") or None, deadline, form.get("reason"))
        return "assigned"
    if step == "verify":
        outcome = form.get("outcome")
        deadline = deadline_from_form(form.get("deadline"), zone) if outcome == "rework" else None
        await workflow.verify(user, finding_id, outcome, form.get("reason"), deadline)
        return "rework" if outcome == "rework" else "closed"
    if step == "merge":
        into = str(form.get("into") or "").strip().lstrip("#")
        await workflow.merge(user, finding_id, whole_number(into) or into or None)
        return "merged"
    await workflow.disclose(user, (await view.detail()).check.uuid)
    return "disclosed"
