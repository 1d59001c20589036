"""The complaint's workflow: received -> assigned -> investigated -> visited -> closed.

Every change is one transaction with its event and its audit entry. A refused transition is a
409 naming the current status; a complaint the caller may not see is a 404, whatever it is.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..audit.chain import AuditLog
from ..checks.schemas import Errors, parse_text
from ..errors import Conflict, Forbidden, Invalid
from ..findings.inputs import parse_deadline
from ..history import add_status_event
from ..i18n import gettext as _
from ..labels import label
from ..models import Complaint, ComplaintEvent, ComplaintStatus, Finding, Role, User, VisitOutcome, utcnow
from .reading import ComplaintReads
from .schemas import (
    NOTE_MAX,
    body_digest,
    parse_complaint,
    parse_outcome,
    parse_required_text,
    require_object,
)

RESULT_MAX = 5000
SETTLED = (ComplaintStatus.visited.value, ComplaintStatus.closed.value)


def refused(complaint: Complaint, message: str) -> Conflict:
    return Conflict(
        message
        + " "
        + _("The complaint is now: %(status)s.", status=label("complaint_status", complaint.status)),
        code="transition_refused",
        extra={"complaint_status": complaint.status},
    )


class ComplaintService(ComplaintReads):
    """The writing side: each step checks the status it starts from."""

    # ---- writing --------------------------------------------------------------------------

    @staticmethod
    def _office_only(user: User) -> None:
        if user.role != Role.office:
            raise Forbidden(_("Only the supervision office may do this."))

    def _record(
        self,
        session: Any,
        audit: AuditLog,
        complaint: Complaint,
        user: User | None,
        action: str,
        from_status: str | None,
        **event: Any,
    ) -> ComplaintEvent:
        row = add_status_event(
            session, ComplaintEvent, complaint, user, action, from_status, complaint_id=complaint.id, **event
        )
        audit.record(f"complaint.{action}", "complaint", complaint)
        return row

    async def put(self, user: User, uuid: str, body: Any) -> tuple[int, Complaint]:
        """Record a complaint under the office's UUID: 201, 200 for the same body again, 409 else."""
        self._office_only(user)
        ref = await self.campaigns.reference()
        data = parse_complaint(body, ref, timedelta(minutes=self.settings.clock_skew_minutes))
        async with self.db.write() as session:
            existing = await session.scalar(select(Complaint).where(Complaint.uuid == uuid))
            if existing is not None:
                if existing.body_sha256 != data.body_sha256:
                    raise Conflict(
                        _("Another complaint was already recorded under this UUID; make a new one."),
                        code="uuid_taken",
                    )
                return 200, existing
            complaint = Complaint(
                uuid=uuid,
                **asdict(data),
                status=ComplaintStatus.received.value,
                created_by_id=user.id,
                reopen_count=0,
                result="",
                visit_note="",
            )
            session.add(complaint)
            await session.flush()
            audit = AuditLog(actor_id=user.id)
            self._record(session, audit, complaint, user, "received", None)
            await audit.write(session)
        return 201, await self._reload(user, uuid)

    async def assign(self, user: User, uuid: str, body: Any) -> Complaint:
        self._office_only(user)
        body = require_object(body)
        ref = await self.campaigns.reference()
        code = body.get("unit")
        unit_id = ref.units_by_code.get(code) if isinstance(code, str) else None
        if unit_id is None:
            raise Invalid(
                _("Name the unit that investigates the complaint."),
                errors=[{"field": "unit", "message": _("Unknown unit code: %(code)s.", code=str(code)[:40])}],
            )
        deadline = parse_deadline(body.get("deadline"))
        async with self.db.write() as session:
            complaint = await self._visible(session, user, uuid, lock=True)
            if complaint.status not in (ComplaintStatus.received, ComplaintStatus.assigned):
                raise refused(complaint, _("Only a complaint not yet investigated can be assigned."))
            self._deadline_after_receipt(complaint, deadline)
            before = complaint.status
            complaint.status = ComplaintStatus.assigned.value
            complaint.assigned_unit_id = unit_id
            complaint.assigned_at = utcnow()
            complaint.deadline = deadline
            audit = AuditLog(actor_id=user.id)
            self._record(
                session, audit, complaint, user, "assigned", before, unit_id=unit_id, deadline=deadline
            )
            await audit.write(session)
        return await self._reload(user, uuid)

    @staticmethod
    def _deadline_after_receipt(complaint: Complaint, deadline: datetime) -> None:
        if deadline <= complaint.received_at:
            raise Invalid(
                _("The deadline is before the complaint was received."),
                errors=[{"field": "deadline", "message": _("Give a deadline after the time received.")}],
            )

    async def investigate(self, user: User, uuid: str, body: Any) -> Complaint:
        body = require_object(body)
        result = parse_required_text(
            body.get("result"), "result", RESULT_MAX, _("Say what the unit found and did.")
        )
        async with self.db.write() as session:
            complaint = await self._investigate(session, user, uuid, result, answer_uuid=None, digest=None)
        return await self._reload(user, complaint.uuid)

    async def answer(self, user: User, uuid: str, answer_uuid: str, body: Any) -> tuple[int, dict[str, Any]]:
        """The unit's answer from a phone, under a UUID the phone made: a replay changes nothing."""
        body = require_object(body)
        digest = body_digest(body)
        async with self.db.write() as session:
            complaint = await self._visible(session, user, uuid, lock=True)
            seen = await session.scalar(
                select(ComplaintEvent).where(ComplaintEvent.answer_uuid == answer_uuid)
            )
            if seen is not None:
                if (
                    seen.complaint_id != complaint.id
                    or seen.body_sha256 != digest
                    or seen.actor_id != user.id
                ):
                    raise Conflict(_("Another answer was already sent under this UUID."), code="uuid_taken")
                return 200, self._answer_receipt(answer_uuid, complaint, seen)
            result = parse_required_text(
                body.get("result"), "result", RESULT_MAX, _("Say what the unit found and did.")
            )
            await self._investigate(session, user, uuid, result, answer_uuid=answer_uuid, digest=digest)
            event = await session.scalar(
                select(ComplaintEvent).where(ComplaintEvent.answer_uuid == answer_uuid)
            )
            return 201, self._answer_receipt(answer_uuid, complaint, event)

    @staticmethod
    def _answer_receipt(answer_uuid: str, complaint: Complaint, event: Any) -> dict[str, Any]:
        # The outbox's receipt: complete at once (no photos), with the moment the server took it.
        return {
            "uuid": answer_uuid,
            "complaint": complaint.uuid,
            "status": "complete",
            "missing_photos": [],
            "complaint_status": complaint.status,
            "received_at": event.at.isoformat() if event is not None else None,
        }

    async def _investigate(
        self, session: Any, user: User, uuid: str, result: str, *, answer_uuid: str | None, digest: str | None
    ) -> Complaint:
        complaint = await self._visible(session, user, uuid, lock=True)
        if user.role not in (Role.office, Role.handler):
            raise Forbidden(_("The assigned unit or the supervision office answers a complaint."))
        if complaint.status != ComplaintStatus.assigned:
            raise refused(complaint, _("Only an assigned complaint can be answered."))
        now = utcnow()
        before = complaint.status
        complaint.status = ComplaintStatus.investigated.value
        complaint.result = result
        complaint.investigated_at = now
        if complaint.first_investigated_at is None:
            complaint.first_investigated_at = now
        audit = AuditLog(actor_id=user.id)
        self._record(
            session,
            audit,
            complaint,
            user,
            "investigated",
            before,
            unit_id=complaint.assigned_unit_id,
            note=result,
            answer_uuid=answer_uuid,
            body_sha256=digest,
        )
        await audit.write(session)
        return complaint

    async def return_visit(self, user: User, uuid: str, body: Any) -> Complaint:
        self._office_only(user)
        body = require_object(body)
        outcome = parse_outcome(body.get("outcome"))
        errors = Errors()
        note = parse_text(body.get("note"), "note", NOTE_MAX, errors)
        errors.raise_if_any(_("The note of the return visit has mistakes."))
        deadline = parse_deadline(body.get("deadline")) if outcome == VisitOutcome.unsatisfied else None
        async with self.db.write() as session:
            complaint = await self._visible(session, user, uuid, lock=True)
            if complaint.status != ComplaintStatus.investigated:
                raise refused(complaint, _("Only an investigated complaint can be called back."))
            now = utcnow()
            before = complaint.status
            complaint.visited_at = now
            complaint.visit_outcome = outcome
            complaint.visit_note = note
            if complaint.first_visited_at is None:
                complaint.first_visited_at = now
            audit = AuditLog(actor_id=user.id)
            if deadline is not None:
                self._deadline_after_receipt(complaint, deadline)
                # Unsatisfied: back to the same unit, with a new deadline.
                complaint.status = ComplaintStatus.assigned.value
                complaint.deadline = deadline
                complaint.reopen_count += 1
                self._record(
                    session,
                    audit,
                    complaint,
                    user,
                    "reopened",
                    before,
                    unit_id=complaint.assigned_unit_id,
                    deadline=deadline,
                    note=f"{outcome}: {note}".strip(),
                )
            else:
                complaint.status = ComplaintStatus.visited.value
                self._record(
                    session, audit, complaint, user, "visited", before, note=f"{outcome}: {note}".strip()
                )
            await audit.write(session)
        return await self._reload(user, uuid)

    async def close(self, user: User, uuid: str) -> Complaint:
        self._office_only(user)
        async with self.db.write() as session:
            complaint = await self._visible(session, user, uuid, lock=True)
            if complaint.status != ComplaintStatus.visited:
                raise refused(complaint, _("A complaint is closed only after its return visit."))
            before = complaint.status
            complaint.status = ComplaintStatus.closed.value
            complaint.closed_at = utcnow()
            audit = AuditLog(actor_id=user.id)
            self._record(session, audit, complaint, user, "closed", before)
            self.ratings.add_for_complaint(session, complaint)
            await audit.write(session)
        return await self._reload(user, uuid)

    async def link(self, user: User, uuid: str, body: Any) -> Complaint:
        """Tie a complaint to the finding that carries its street problem through rectification."""
        self._office_only(user)
        body = require_object(body)
        finding_id = body.get("finding")
        async with self.db.write() as session:
            complaint = await self._visible(session, user, uuid, lock=True)
            found = None
            if isinstance(finding_id, int) and not isinstance(finding_id, bool) and 0 < finding_id < 2**62:
                found = await session.scalar(select(Finding.id).where(Finding.id == finding_id))
            if found is None:
                raise Invalid(
                    _("Name an existing finding."),
                    errors=[{"field": "finding", "message": _("Unknown finding.")}],
                )
            complaint.finding_id = found
            audit = AuditLog(actor_id=user.id)
            self._record(session, audit, complaint, user, "linked", complaint.status, note=str(found))
            await audit.write(session)
        return await self._reload(user, uuid)
