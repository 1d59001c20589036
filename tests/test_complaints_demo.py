"""The complaints part of the demo history: recorded through the services, idempotent, and every
step in the audit trail."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from server.audit.verify import verify
from server.complaints.demo import record_history
from server.db import Database
from server.models import Complaint


async def test_the_demo_history_records_complaints_once(settings):
    db = Database(settings)
    try:
        assert await record_history(settings, db, count=16) == 16
        async with db.read() as session:
            first = {
                c.uuid: (c.status, c.reopen_count)
                for c in (await session.scalars(select(Complaint))).unique()
            }
        assert await record_history(settings, db, count=16) == 0
        async with db.read() as session:
            again = {
                c.uuid: (c.status, c.reopen_count)
                for c in (await session.scalars(select(Complaint))).unique()
            }
        assert again == first
        statuses = Counter(status for status, _ in first.values())
        assert statuses["closed"] >= 4 and statuses["received"] >= 2 and statuses["investigated"] >= 2
        assert any(reopened for _, reopened in first.values())
        report = await verify(db)
        assert report.intact and report.entries > 16, report
    finally:
        await db.dispose()
