"""Escalating overdue findings to their campaign's lead, once each, whichever server process
sweeps first (the periodic deadline sweep in deadlines.py runs it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from ..audit.chain import AuditLog
from ..db import Database
from ..models import Campaign, Finding, Notification, utcnow
from .events import record_event
from .service import WAITING_FOR_UNIT


async def escalate_overdue(db: Database, now: datetime | None = None) -> list[int]:
    """Escalate findings whose deadline has passed, once each, whichever worker gets there first.

    The UPDATE claims the rows atomically (only rows not yet escalated match), so two
    workers sweeping at the same moment never escalate the same finding twice.
    """
    now = now or utcnow()
    async with db.write() as session:
        rows = (
            await session.execute(
                update(Finding)
                .where(
                    Finding.status.in_(WAITING_FOR_UNIT),
                    Finding.deadline < now,
                    Finding.escalated_at.is_(None),
                )
                .values(escalated_at=now, updated_at=now)
                .returning(Finding.id, Finding.campaign_id)
                .execution_options(synchronize_session=False)
            )
        ).all()
        if not rows:
            return []
        leads = dict(
            (
                await session.execute(
                    select(Campaign.id, Campaign.lead_id).where(
                        Campaign.id.in_({r.campaign_id for r in rows})
                    )
                )
            ).all()
        )
        findings = (await session.scalars(select(Finding).where(Finding.id.in_([r.id for r in rows])))).all()
        audit = AuditLog(actor_id=None)
        for finding in findings:
            session.add(
                Notification(
                    user_id=leads[finding.campaign_id], at=now, kind="overdue", finding_id=finding.id
                )
            )
            record_event(
                session, audit, finding, None, "escalated", finding.status, deadline=finding.deadline
            )
        await audit.write(session)
        return [r.id for r in rows]
