"""`xuncha demo --history`: months of checks, findings and rectifications through the services."""

from __future__ import annotations

from sqlalchemy import func, select

from server.audit.verify import verify
from server.db import Database
from server.demo.history import record_history
from server.models import Check, Complaint, Finding, Interview, Photo, Praise, UnitNotice


async def test_history_has_late_reworked_flagged_and_open_findings_and_a_second_run_changes_nothing(settings):
    db = Database(settings)
    try:
        summary = await record_history(settings, db)
        assert summary.startswith("history recorded")
        async with db.read() as session:
            statuses = dict(
                (await session.execute(select(Finding.status, func.count()).group_by(Finding.status))).all()
            )
            reworked = await session.scalar(select(func.count()).where(Finding.rework_count > 0))
            escalated = await session.scalar(select(func.count()).where(Finding.escalated_at.is_not(None)))
            far = await session.scalar(select(func.count()).where(Photo.flags.contains("far")))
            span = (
                await session.execute(select(func.min(Finding.found_at), func.max(Finding.found_at)))
            ).one()
            checks = await session.scalar(select(func.count()).select_from(Check))
            complaints = await session.scalar(select(func.count()).select_from(Complaint))
            notices = (await session.scalars(select(UnitNotice))).unique().all()
            interviews = await session.scalar(select(func.count()).select_from(Interview))
            praises = await session.scalar(select(func.count()).select_from(Praise))
        assert statuses.get("closed", 0) > 10
        assert statuses.get("new", 0) >= 1 and statuses.get("assigned", 0) >= 1
        assert reworked and escalated and far
        assert complaints and f"{complaints} complaints" in summary  # the complaints' recorder ran too
        # The assessment's pages have a notice answered with a document, an interview and a praise.
        assert [n.status for n in notices] == ["answered"] and notices[0].document_type == "application/pdf"
        assert (settings.document_dir / notices[0].document_sha256[:2] / notices[0].document_sha256).is_file()
        assert interviews == 1 and praises == 1 and "a rectification notice to" in summary
        assert (span[1] - span[0]).days >= 60  # months of history, not one afternoon
        assert await record_history(settings, db) == "history already recorded: nothing changed"
        async with db.read() as session:
            assert await session.scalar(select(func.count()).select_from(Check)) == checks
            assert await session.scalar(select(func.count()).select_from(UnitNotice)) == 1
        report = await verify(db)
        assert report.intact, report.first_break
    finally:
        await db.dispose()
