"""The drill-down of a unit's score (docs/scores.md): for each part, the records it rests on,
selected exactly as server/assessment/scores.py counts them, each with a link to its own page
when the reader may open it there.

Covert checks and findings not yet disclosed are not among them: they count nowhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..checks.access import visible_checks
from ..complaints.access import visible_complaints
from ..db import Database
from ..findings.access import visible_findings
from ..i18n import lang
from ..models import (
    Answer,
    Check,
    Complaint,
    Evaluation,
    Finding,
    FindingStatus,
    Rating,
    Result,
    Unit,
    User,
    VisitOutcome,
    utcnow,
)
from .evaluations import POINTS, evaluation_json
from .indicators import scope
from .periods import Period
from .scores import ScoreService, assessed_checks, count_where, late_finding

# A year of a busy unit holds thousands of findings: the lists stop here, the counts do not.
LIST_LIMIT = 200


class RecordService:
    def __init__(self, db: Database, scores: ScoreService) -> None:
        self.db = db
        self.scores = scores

    async def records(
        self, reader: User, unit: Unit, period: Period, now: datetime | None = None
    ) -> dict[str, Any]:
        """The records behind each part of the unit's score for the period."""
        now = now or utcnow()
        start, end = period.bounds(self.scores.settings.timezone)
        async with self.db.read() as session:
            third_party = await self._third_party(session, reader, unit, start, end, now)
            service = await self._service_recipient(session, reader, unit, start, end)
            democratic = await self._democratic(session, unit, period)
            findings, complaints = await self._routine_records(session, reader, unit, start, end, now)
        counts = (await self.scores.routine_counts([unit.id], [(start, end)], now)).get((unit.id, 0))
        routine = {
            "on_time": _rate(counts.on_time if counts else 0, counts.due if counts else 0),
            "rework": _rate(counts.reworked if counts else 0, counts.verified if counts else 0),
            "completion": _rate(counts.closed if counts else 0, counts.complaints if counts else 0),
            "findings": findings,
            "findings_total": counts.findings if counts else 0,
            "complaints": complaints,
            "complaints_total": counts.complaints if counts else 0,
        }
        return {
            "period": period.key,
            "unit": unit.code,
            "third_party": third_party,
            "service_recipient": service,
            "democratic": democratic,
            "routine": routine,
        }

    async def _third_party(
        self, session: Any, reader: User, unit: Unit, start: datetime, end: datetime, now: datetime
    ) -> dict[str, Any]:
        # Materialized, as in scores.py: the period's unannounced checks first, then their answers.
        ids = assessed_checks(start, end).cte("assessed_checks").prefix_with("MATERIALIZED")
        passed = count_where(Answer.result == Result.passed.value)
        failed = count_where(Answer.result == Result.failed.value)
        other = count_where(Answer.result == Result.na.value)
        rows = (
            await session.execute(
                select(Check.id, Check.uuid, Check.recorded_at, passed, failed, other)
                .join(ids, ids.c.id == Check.id)
                .join(Answer, Answer.check_id == Check.id)
                .where(ids.c.unit_id == unit.id)
                .group_by(Check.id, Check.uuid, Check.recorded_at)
                .order_by(Check.recorded_at, Check.id)
            )
        ).all()
        check_ids = [row[0] for row in rows]
        seen = set(
            (
                await session.scalars(select(Check.id).where(Check.id.in_(check_ids), visible_checks(reader)))
            ).all()
        )
        late_rows = (
            await session.execute(
                select(Finding.id, Finding.check_id, Finding.deadline, Finding.submitted_at)
                .where(
                    Finding.check_id.in_(check_ids),
                    Finding.assigned_unit_id == unit.id,
                    Finding.status != FindingStatus.merged.value,
                    late_finding(now),
                )
                .order_by(Finding.id)
            )
        ).all()
        findings_seen = await _visible_finding_ids(session, reader, [row[0] for row in late_rows])
        late: dict[int, list[dict[str, Any]]] = {}
        for finding_id, check_id, deadline, submitted_at in late_rows:
            late.setdefault(check_id, []).append(
                {
                    "id": finding_id,
                    "deadline": deadline,
                    "submitted_at": submitted_at,
                    "url": f"/findings/{finding_id}" if finding_id in findings_seen else None,
                }
            )
        checks = [
            {
                "uuid": uuid,
                "recorded_at": recorded_at,
                "passed": int(n_passed),
                "failed": int(n_failed),
                "not_applicable": int(n_na),
                "late_findings": late.get(check_id, []),
                "url": f"/checks/{uuid}" if check_id in seen else None,
            }
            for check_id, uuid, recorded_at, n_passed, n_failed, n_na in rows
        ]
        return {
            "checks": checks,
            "passed": sum(c["passed"] for c in checks),
            "failed": sum(c["failed"] for c in checks),
            "late_findings": len(late_rows),
            "penalty_per_late_finding": self.scores.settings.late_finding_penalty,
        }

    async def _service_recipient(
        self, session: Any, reader: User, unit: Unit, start: datetime, end: datetime
    ) -> dict[str, Any]:
        rating_rows = (
            await session.execute(
                select(Rating.id, Rating.rated_at, Rating.outcome, Complaint.uuid, Rating.finding_id)
                .outerjoin(Complaint, Complaint.id == Rating.complaint_id)
                .where(
                    Rating.unit_id == unit.id,
                    Rating.outcome.is_not(None),
                    Rating.rated_at >= start,
                    Rating.rated_at < end,
                )
                .order_by(Rating.rated_at, Rating.id)
            )
        ).all()
        visit_rows = (
            await session.execute(
                select(Complaint.uuid, Complaint.visited_at, Complaint.visit_outcome)
                .where(
                    Complaint.assigned_unit_id == unit.id,
                    Complaint.visit_outcome.in_([o.value for o in VisitOutcome]),
                    Complaint.visited_at >= start,
                    Complaint.visited_at < end,
                )
                .order_by(Complaint.visited_at, Complaint.id)
            )
        ).all()
        uuids = [row[3] for row in rating_rows if row[3]] + [row[0] for row in visit_rows]
        complaints_seen = set(
            (
                await session.scalars(
                    select(Complaint.uuid).where(Complaint.uuid.in_(uuids), visible_complaints(reader))
                )
            ).all()
        )
        findings_seen = await _visible_finding_ids(session, reader, [row[4] for row in rating_rows if row[4]])

        def subject_url(complaint: str | None, finding: int | None) -> str | None:
            if complaint is not None:
                return f"/complaints/{complaint}" if complaint in complaints_seen else None
            return f"/findings/{finding}" if finding in findings_seen else None

        ratings = [
            {
                "rated_at": rated_at,
                "outcome": outcome,
                "points": POINTS[outcome],
                "complaint": complaint,
                "finding": finding,
                "url": subject_url(complaint, finding),
            }
            for _id, rated_at, outcome, complaint, finding in rating_rows
        ]
        call_backs = [
            {
                "complaint": complaint,
                "visited_at": visited_at,
                "outcome": outcome,
                "points": POINTS[outcome],
                "url": subject_url(complaint, None),
            }
            for complaint, visited_at, outcome in visit_rows
        ]
        return {"ratings": ratings, "call_backs": call_backs}

    async def _democratic(self, session: Any, unit: Unit, period: Period) -> dict[str, Any] | None:
        row = (
            await session.execute(
                select(Evaluation, User)
                .join(User, User.id == Evaluation.entered_by_id)
                .where(Evaluation.period == period.key, Evaluation.unit_id == unit.id)
            )
        ).one_or_none()
        if row is None:
            return None
        evaluation, entered_by = row
        return evaluation_json(evaluation, unit.code, entered_by.username) | {
            "entered_by_name": entered_by.name(lang()),
            "entered_at": evaluation.entered_at,
        }

    async def _routine_records(
        self, session: Any, reader: User, unit: Unit, start: datetime, end: datetime, now: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        finding_rows = (
            await session.execute(
                select(
                    Finding.id,
                    Finding.status,
                    Finding.created_at,
                    Finding.deadline,
                    Finding.submitted_at,
                    Finding.rework_count,
                )
                .where(*scope(campaign_id=None, unit_id=unit.id, start=start, end=end))
                .order_by(Finding.created_at.desc(), Finding.id.desc())
                .limit(LIST_LIMIT)
            )
        ).all()
        findings_seen = await _visible_finding_ids(session, reader, [row[0] for row in finding_rows])
        findings = [
            {
                "id": finding_id,
                "status": status,
                "created_at": created_at,
                "deadline": deadline,
                "submitted_at": submitted_at,
                "rework_count": rework_count,
                "url": f"/findings/{finding_id}" if finding_id in findings_seen else None,
            }
            for finding_id, status, created_at, deadline, submitted_at, rework_count in finding_rows
        ]
        complaint_rows = (
            await session.execute(
                select(Complaint.uuid, Complaint.status, Complaint.received_at)
                .where(
                    Complaint.assigned_unit_id == unit.id,
                    Complaint.received_at >= start,
                    Complaint.received_at < end,
                )
                .order_by(Complaint.received_at.desc(), Complaint.id.desc())
                .limit(LIST_LIMIT)
            )
        ).all()
        complaints_seen = set(
            (
                await session.scalars(
                    select(Complaint.uuid).where(
                        Complaint.uuid.in_([row[0] for row in complaint_rows]), visible_complaints(reader)
                    )
                )
            ).all()
        )
        complaints = [
            {
                "uuid": uuid,
                "status": status,
                "received_at": received_at,
                "url": f"/complaints/{uuid}" if uuid in complaints_seen else None,
            }
            for uuid, status, received_at in complaint_rows
        ]
        return findings, complaints


def _rate(numerator: int, denominator: int) -> dict[str, Any]:
    value = round(100 * numerator / denominator, 2) if denominator else None
    return {"numerator": numerator, "denominator": denominator, "percent": value}


async def _visible_finding_ids(session: Any, reader: User, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    query = select(Finding.id).where(Finding.id.in_(ids), visible_findings(reader))
    return set((await session.scalars(query)).all())
