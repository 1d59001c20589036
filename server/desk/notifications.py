"""A user's notifications: the latest with their findings, the unread count, marking them read."""

from __future__ import annotations

from sqlalchemy import func, select, update

from ..db import Database
from ..findings.access import visible_findings
from ..models import Finding, Notification, User, utcnow
from .listing import ListedFinding, listed, listed_findings


class NotificationService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def latest(self, user: User) -> tuple[list[tuple[Notification, ListedFinding | None]], int]:
        async with self.db.read() as session:
            notes = (
                await session.scalars(
                    select(Notification)
                    .where(Notification.user_id == user.id)
                    .order_by(Notification.id.desc())
                    .limit(10)
                )
            ).all()
            ids = {n.finding_id for n in notes if n.finding_id}
            found = {
                f.id: f
                for f in await listed(
                    session, listed_findings().where(Finding.id.in_(ids), visible_findings(user))
                )
            }
            unread = await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            )
        return [(n, found.get(n.finding_id or 0)) for n in notes], int(unread or 0)

    async def mark_read(self, user: User) -> None:
        async with self.db.write() as session:
            await session.execute(
                update(Notification)
                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                .values(read_at=utcnow())
            )
