"""The desk's queries: a page of filtered findings, deadlines and the latest, the live feed, the map."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from ..db import Database
from ..findings.access import visible_findings
from ..findings.service import WAITING_FOR_UNIT
from ..models import ChecklistItem, Finding, FindingEvent, Notification, User, utcnow
from .filters import FEED_SIZE, MAP_LIMIT, OVERDUE_LIST, PAGE_SIZE, DeskQuery, desk_clauses
from .listing import ListedFinding, listed, listed_findings


def _overdue(now: Any) -> Any:
    return and_(Finding.status.in_(WAITING_FOR_UNIT), Finding.deadline < now)


async def _deadline_counts(session: Any, campaign_id: int) -> tuple[int, int]:
    """How many of the campaign's findings are overdue, and how many due within a day."""
    now = utcnow()
    due_soon = and_(
        Finding.status.in_(WAITING_FOR_UNIT),
        Finding.deadline >= now,
        Finding.deadline <= now + timedelta(days=1),
    )
    campaign = Finding.campaign_id == campaign_id
    overdue_count = await session.scalar(
        select(func.count()).select_from(Finding).where(campaign, _overdue(now))
    )
    due_soon_count = await session.scalar(select(func.count()).select_from(Finding).where(campaign, due_soon))
    return int(overdue_count or 0), int(due_soon_count or 0)


class DeskService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def results(self, user: User, query: DeskQuery) -> tuple[list[ListedFinding], bool]:
        """A page of the filtered findings, and whether there is another. No total is counted: on a
        campaign of a million findings that alone would cost more than the rest of the desk."""
        if query.sort == "deadline":
            order = (Finding.deadline.is_(None), Finding.deadline, Finding.id)
        else:
            order = (Finding.id.desc(),)  # the (campaign_id, id) index gives the page directly
        async with self.db.read() as session:
            rows = await listed(
                session,
                listed_findings()
                .where(*desk_clauses(user, query))
                .order_by(*order)
                .offset((query.page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE + 1),
            )
        return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

    async def campaign_state(self, user: User, campaign_id: int) -> dict[str, Any]:
        """What is overdue or due soon, and the latest findings for the feed.

        The campaign is on the user's desk, and a finding waiting for its unit is never covert and
        undisclosed (the workflow assigns none before the office discloses it); so the deadline
        counts need no visibility rule and are settled on the (campaign_id, status, deadline)
        index alone, without reading a row (30 ms rather than 110 ms at a million findings).
        """
        overdue = _overdue(utcnow())
        campaign = Finding.campaign_id == campaign_id
        mine = and_(visible_findings(user), campaign)
        async with self.db.read() as session:
            overdue_count, due_soon_count = await _deadline_counts(session, campaign_id)
            # The most overdue first: sorted on the index, then only those rows are read.
            most_overdue = (
                select(Finding.id).where(campaign, overdue).order_by(Finding.deadline).limit(OVERDUE_LIST)
            )
            overdue_rows = await listed(
                session,
                listed_findings().where(mine, Finding.id.in_(most_overdue)).order_by(Finding.deadline),
            )
            latest = await listed(
                session, listed_findings().where(mine).order_by(Finding.id.desc()).limit(10)
            )
            disclosed = await last_disclosure(session)
        return {
            "overdue_count": overdue_count,
            "due_soon_count": due_soon_count,
            "overdue_list": overdue_rows,
            "feed": latest,
            "feed_after": latest[0].id if latest else 0,
            "feed_disclosed": disclosed,
        }

    async def deadline_counts(self, campaign_id: int) -> tuple[int, int]:
        async with self.db.read() as session:
            return await _deadline_counts(session, campaign_id)

    async def marks(self, user: User, campaign_id: int) -> tuple[int, int]:
        """The newest workflow event of a finding of the campaign the user may see, and the user's
        newest notification: the feed recounts the desk's figures only when one of them has
        moved. Events of findings hidden from the reader (an undisclosed covert check's) move
        nothing, so a quiet desk does not learn that something happened out of its sight.

        The events are read newest first on their primary key, each one's finding looked up by
        its own: the newest event is almost always close to the top. Joined the other way round,
        the planner walks every finding of the campaign (seconds at a million findings)."""
        of_this_desk = (
            select(Finding.id)
            .where(Finding.id == FindingEvent.finding_id, Finding.campaign_id == campaign_id)
            .where(visible_findings(user))
            .exists()
        )
        async with self.db.read() as session:
            event = await session.scalar(
                select(FindingEvent.id).where(of_this_desk).order_by(FindingEvent.id.desc()).limit(1)
            )
            note = await session.scalar(
                select(func.max(Notification.id)).where(Notification.user_id == user.id)
            )
        return int(event or 0), int(note or 0)

    async def newer(
        self, user: User, campaign_id: int, after: int, disclosed: int = 0
    ) -> tuple[list[ListedFinding], int]:
        """The findings newer than the last one the desk has (one query on the primary key), and
        those disclosed since its last disclosure cursor: a disclosed finding is new to the lead
        though its id is old. Returns them with the new disclosure cursor."""
        newly_disclosed = select(FindingEvent.finding_id).where(
            FindingEvent.action == "disclosed", FindingEvent.id > disclosed
        )
        async with self.db.read() as session:
            rows = await listed(
                session,
                listed_findings()
                .where(
                    visible_findings(user),
                    Finding.campaign_id == campaign_id,
                    or_(Finding.id > after, Finding.id.in_(newly_disclosed)),
                )
                .order_by(Finding.id.desc())
                .limit(FEED_SIZE),
            )
            last_disclosed = await last_disclosure(session)
        return rows, last_disclosed

    async def map_rows(self, user: User, query: DeskQuery, english: bool) -> list[Any]:
        """Up to MAP_LIMIT + 1 filtered findings, newest first: id, position, status, severity,
        deadline and the item's text (one more than is shown tells that the map is cut)."""
        async with self.db.read() as session:
            return list(
                (
                    await session.execute(
                        select(
                            Finding.id,
                            Finding.lat,
                            Finding.lon,
                            Finding.status,
                            Finding.severity,
                            Finding.deadline,
                            ChecklistItem.text_en if english else ChecklistItem.text_zh,
                        )
                        .join(ChecklistItem, ChecklistItem.id == Finding.item_id)
                        .where(*desk_clauses(user, query))
                        .order_by(Finding.id.desc())
                        .limit(MAP_LIMIT + 1)
                    )
                ).all()
            )


async def last_disclosure(session: Any) -> int:
    """The feed's second cursor: disclosed findings are new to the lead though their ids are old."""
    return int(
        await session.scalar(select(func.max(FindingEvent.id)).where(FindingEvent.action == "disclosed")) or 0
    )
