"""The rectification workflow: who may move a finding where, and the record of every move.

    new --assign--> assigned --(unit submits after-photos)--> submitted --close--> closed
                                                                 |--rework--> rework --submit--> submitted ...
    new/assigned/rework --merge--> merged (a duplicate; both records and all photos are kept)

Each change is one transaction: the finding, an event saying who, when and why, an
audit entry with the finding's new state, and the running counts the desk's figures read
(counts.py). A refused change answers 409 with the
finding's current status; a role that may never do it answers 403; a finding the caller
may not see answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..api import MAX_ROW_ID
from ..audit.chain import AuditLog
from ..db import Database
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..i18n import gettext as _
from ..i18n import lang
from ..labels import label
from ..models import (
    Check,
    Finding,
    FindingEvent,
    FindingStatus,
    NoticeCounter,
    Notification,
    Rectification,
    Role,
    Unit,
    User,
    utcnow,
)
from ..numbering import next_in_year
from ..settings import Settings
from .access import locked_finding, visible_findings
from .counts import Tracker
from .escalation import escalate_overdue
from .events import record_event
from .inputs import parse_deadline, parse_reason
from .proposals import can_rectify, proposed_deadline
from .service import WAITING_FOR_UNIT, acts_as_lead


def refused(finding: Finding, message: str) -> Conflict:
    return Conflict(
        message + " " + _("The finding is now: %(status)s.", status=label("finding_status", finding.status)),
        code="transition_refused",
        extra={"finding_status": finding.status},
    )


def hidden_covert(finding: Finding) -> bool:
    return bool(finding.covert) and finding.disclosed_at is None


class Workflow:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)

    @staticmethod
    def _require_lead(user: User, finding: Finding) -> None:
        if not acts_as_lead(user, finding.campaign):
            raise Forbidden(_("Only the campaign's lead or the supervision office may do this."))

    async def assign(
        self, user: User, finding_id: int, unit_code: Any, deadline_value: Any, reason_value: Any = None
    ) -> Finding:
        # No deadline given: the campaign's rule for the finding's severity, settled once the
        # finding is read.
        deadline = None if deadline_value is None else parse_deadline(deadline_value)
        reason = parse_reason(reason_value, required=False)
        if not isinstance(unit_code, str) or not unit_code:
            raise Invalid(
                _("Choose the unit that must rectify."),
                errors=[{"field": "unit", "message": _("Give a code.")}],
            )
        async with self.db.write() as session:
            finding = await locked_finding(session, user, finding_id)
            self._require_lead(user, finding)
            unit = await session.scalar(select(Unit).where(Unit.code == unit_code, Unit.active))
            if unit is None:
                raise Invalid(
                    _("Unknown unit code: %(code)s.", code=unit_code),
                    errors=[{"field": "unit", "message": _("Unknown unit code: %(code)s.", code=unit_code)}],
                )
            if not can_rectify(unit):
                raise Invalid(
                    _(
                        "%(unit)s does not rectify findings; choose a responsible unit.",
                        unit=unit.name(lang()),
                    ),
                    errors=[
                        {
                            "field": "unit",
                            "message": _(
                                "Choose a district bureau, an office or a department that rectifies."
                            ),
                        }
                    ],
                )
            if finding.status != FindingStatus.new:
                raise refused(finding, _("Only a new finding can be assigned."))
            if finding.covert and finding.disclosed_at is None:
                raise refused(
                    finding, _("A covert finding must be disclosed by the supervision office first.")
                )
            now = utcnow()
            if deadline is None:
                deadline = proposed_deadline(finding.campaign, finding.severity, now, self.zone)
            tracker = Tracker(self.zone)
            tracker.watch(finding)
            finding.status = FindingStatus.assigned
            finding.assigned_unit_id = unit.id
            finding.assigned_at = now
            finding.deadline = deadline
            finding.escalated_at = None
            finding.notice_number = await self._next_notice_number(session, now)
            audit = AuditLog(actor_id=user.id)
            record_event(
                session,
                audit,
                finding,
                user,
                "assigned",
                FindingStatus.new,
                unit_id=unit.id,
                deadline=deadline,
                reason=reason,
            )
            await tracker.apply(session)
            await audit.write(session)
        return await self._reload(user, finding_id)

    async def _next_notice_number(self, session: Any, now: datetime) -> str:
        year = now.astimezone(self.zone).year
        number = await next_in_year(session, NoticeCounter, year)
        return f"十城管整改〔{year}〕第{number:04d}号"

    async def verify(
        self, user: User, finding_id: int, outcome: Any, reason_value: Any, deadline_value: Any
    ) -> Finding:
        if outcome not in ("close", "rework"):
            raise Invalid(
                _("The outcome is close or rework."),
                errors=[{"field": "outcome", "message": _("Use close or rework.")}],
            )
        rework = outcome == "rework"
        reason = parse_reason(reason_value, required=rework)
        # A rework without a deadline gets a new one from the campaign's rule, counted from now.
        deadline = parse_deadline(deadline_value) if rework and deadline_value is not None else None
        async with self.db.write() as session:
            finding = await locked_finding(session, user, finding_id)
            self._require_lead(user, finding)
            if finding.status != FindingStatus.submitted:
                raise refused(finding, _("Only a finding whose rectification was submitted can be verified."))
            audit = AuditLog(actor_id=user.id)
            now = utcnow()
            tracker = Tracker(self.zone)
            tracker.watch(finding)
            if rework:
                finding.status = FindingStatus.rework
                finding.rework_count += 1
                finding.deadline = deadline or proposed_deadline(
                    finding.campaign, finding.severity, now, self.zone
                )
                finding.escalated_at = None
                record_event(
                    session,
                    audit,
                    finding,
                    user,
                    "rework",
                    FindingStatus.submitted,
                    deadline=finding.deadline,
                    reason=reason,
                )
            else:
                finding.status = FindingStatus.closed
                finding.closed_at = now
                record_event(session, audit, finding, user, "closed", FindingStatus.submitted, reason=reason)
            await tracker.apply(session)
            await audit.write(session)
        return await self._reload(user, finding_id)

    async def merge(self, user: User, finding_id: int, into_id: Any) -> Finding:
        if not isinstance(into_id, int) or isinstance(into_id, bool) or not 1 <= into_id <= MAX_ROW_ID:
            raise Invalid(
                _("Say which finding this one duplicates."),
                errors=[{"field": "into", "message": _("Give the other finding's number.")}],
            )
        if into_id == finding_id:
            raise Invalid(
                _("A finding cannot duplicate itself."),
                errors=[{"field": "into", "message": _("Give another finding's number.")}],
            )
        async with self.db.write() as session:
            # Both rows locked in one statement, in id order: two merges of the same pair in
            # opposite directions would otherwise deadlock on PostgreSQL.
            locked = {
                f.id: f
                for f in (
                    await session.scalars(
                        select(Finding)
                        .where(Finding.id.in_((finding_id, into_id)), visible_findings(user))
                        .order_by(Finding.id)
                        .with_for_update(of=Finding)
                    )
                )
                .unique()
                .all()
            }
            finding = locked.get(finding_id)
            if finding is None:
                raise NotFound(_("There is no finding %(id)s that you may see.", id=finding_id))
            self._require_lead(user, finding)
            target = locked.get(into_id)
            if target is None:
                raise NotFound(_("There is no finding %(id)s that you may see.", id=into_id))
            if target.campaign_id != finding.campaign_id or target.item_id != finding.item_id:
                raise Invalid(
                    _("Only findings of the same checklist item can be merged."),
                    errors=[{"field": "into", "message": _("Not the same checklist item.")}],
                )
            if finding.status in (FindingStatus.closed, FindingStatus.merged):
                raise refused(finding, _("A closed or merged finding cannot be merged again."))
            if finding.status == FindingStatus.submitted:
                raise refused(
                    finding,
                    _(
                        "This finding's rectification awaits your verification; close it or send it back before merging."
                    ),
                )
            if target.status in (FindingStatus.closed, FindingStatus.merged):
                raise refused(target, _("A finding can only be merged into an open one."))
            if hidden_covert(target) and finding.check_id != target.check_id:
                # The lead would see duplicate_of pointing at a finding they may not open (a covert
                # finding of another check may be disclosed before this one).
                raise refused(
                    target,
                    _(
                        "That finding comes from an unannounced check not disclosed yet: disclose it first, "
                        "or merge the other way."
                    ),
                )
            before = finding.status
            tracker = Tracker(self.zone)
            tracker.watch(finding)
            finding.status = FindingStatus.merged
            finding.duplicate_of_id = target.id
            audit = AuditLog(actor_id=user.id)
            record_event(session, audit, finding, user, "merged", before, related_finding_id=target.id)
            record_event(
                session, audit, target, user, "absorbed", target.status, related_finding_id=finding.id
            )
            await tracker.apply(session)
            await audit.write(session)
        return await self._reload(user, finding_id)

    async def disclose(self, user: User, check_uuid: str) -> int:
        """The office discloses a covert check: its findings become visible to lead and unit."""
        if user.role != Role.office:
            raise Forbidden(_("Only the supervision office may disclose a covert check."))
        async with self.db.write() as session:
            check = await session.scalar(
                select(Check).where(Check.uuid == check_uuid).with_for_update(of=Check)
            )
            if check is None:
                raise NotFound(_("There is no such check that you may see."))
            if not check.covert:
                raise Conflict(
                    _("This check is not covert; there is nothing to disclose."), code="not_covert"
                )
            if check.disclosed_at is not None:
                return 0
            now = utcnow()
            check.disclosed_at, check.disclosed_by_id = now, user.id
            audit = AuditLog(actor_id=user.id)
            audit.record("check.disclosed", "check", check)
            findings = (await session.scalars(select(Finding).where(Finding.check_id == check.id))).all()
            tracker = Tracker(self.zone)
            tracker.watch(*findings)
            for finding in findings:
                finding.disclosed_at = now
                record_event(session, audit, finding, user, "disclosed", finding.status)
                # The lead learns of it on the desk, whatever the feed has already shown.
                session.add(
                    Notification(
                        user_id=finding.campaign.lead_id, at=now, kind="disclosed", finding_id=finding.id
                    )
                )
            await tracker.apply(session)
            await audit.write(session)
            return len(findings)

    async def submit(
        self, session: Any, audit: AuditLog, finding: Finding, user: User, rectification: Rectification
    ) -> None:
        """assigned or rework -> submitted, when the last photo of the unit's report is in.

        Called inside the transaction that receives that photo, so the report and the move
        are saved together; a finding no longer waiting for its unit stays as it is.
        """
        if finding.status not in WAITING_FOR_UNIT:
            return
        now = utcnow()
        before = finding.status
        tracker = Tracker(self.zone)
        tracker.watch(finding)
        finding.status, finding.submitted_at, finding.updated_at = FindingStatus.submitted, now, now
        session.add(
            FindingEvent(
                finding_id=finding.id,
                at=now,
                actor_id=user.id,
                action="submitted",
                from_status=before,
                to_status=finding.status,
                rectification_id=rectification.id,
            )
        )
        audit.record("finding.submitted", "finding", finding, rectification=rectification.uuid)
        # The lead is told, so a report does not wait on the desk for someone to look.
        session.add(
            Notification(user_id=finding.campaign.lead_id, at=now, kind="submitted", finding_id=finding.id)
        )
        await tracker.apply(session)

    async def sweep_deadlines(self, now: datetime | None = None) -> list[int]:
        return await escalate_overdue(self.db, now)

    async def _reload(self, user: User, finding_id: int) -> Finding:
        async with self.db.read() as session:
            finding = await session.scalar(select(Finding).where(Finding.id == finding_id))
        assert finding is not None
        return finding
