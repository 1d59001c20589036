"""What waits for the responsible unit, and what it recently handed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..db import Database
from ..findings.access import visible_findings
from ..findings.service import WAITING_FOR_UNIT
from ..models import Finding, FindingEvent, FindingStatus, Photo, User

DONE_STATUSES = (FindingStatus.submitted.value, FindingStatus.closed.value)
WAITING_LIMIT = 200
DONE_LIMIT = 30


@dataclass
class UnitWork:
    """What waits for the unit (nearest deadline first) and what it recently handed in."""

    waiting: list[Finding]
    done: list[Finding]
    reworks: dict[int, FindingEvent] = field(default_factory=dict)  # the latest send-back of each
    photos: dict[int, list[Photo]] = field(default_factory=dict)  # before-photos of the waiting ones


class UnitService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def work(self, user: User) -> UnitWork:
        async with self.db.read() as session:
            waiting = list(
                (
                    await session.scalars(
                        select(Finding)
                        .where(visible_findings(user), Finding.status.in_(WAITING_FOR_UNIT))
                        .order_by(Finding.deadline.is_(None), Finding.deadline, Finding.id)
                        .limit(WAITING_LIMIT)
                    )
                )
                .unique()
                .all()
            )
            done = list(
                (
                    await session.scalars(
                        select(Finding)
                        .where(visible_findings(user), Finding.status.in_(DONE_STATUSES))
                        .order_by(Finding.updated_at.desc(), Finding.id.desc())
                        .limit(DONE_LIMIT)
                    )
                )
                .unique()
                .all()
            )
            work = UnitWork(waiting, done)
            reworked = [f.id for f in waiting if f.status == FindingStatus.rework]
            if reworked:
                for event in (
                    await session.scalars(
                        select(FindingEvent)
                        .where(FindingEvent.finding_id.in_(reworked), FindingEvent.action == "rework")
                        .order_by(FindingEvent.id)
                    )
                ).unique():
                    work.reworks[event.finding_id] = event
            if waiting:
                by_check: dict[int, list[Photo]] = {}
                for photo in (
                    await session.scalars(
                        select(Photo)
                        .where(
                            Photo.check_id.in_({f.check_id for f in waiting}),
                            Photo.received_at.is_not(None),
                        )
                        .order_by(Photo.check_id, Photo.position)
                    )
                ).all():
                    by_check.setdefault(photo.check_id, []).append(photo)  # type: ignore[arg-type]
                for f in waiting:
                    # As on the desk: the photos of the failed item, and those of the whole scene.
                    work.photos[f.id] = [
                        p for p in by_check.get(f.check_id, []) if p.item_id in (None, f.item_id)
                    ]
        return work
