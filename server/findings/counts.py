"""Keeping the findings' running counts (models/counts.py) true, in the transaction of each change.

Every change to a finding that moves it in or out of a count goes through here: the check
writer when it opens findings, and the workflow when it assigns, verifies, merges, discloses
or takes a unit's submission. Each says what the finding counted for before and after
(`share`), and `apply` adds the difference with one upsert per touched row, so two
transactions counting at once both land (the row's lock orders them) and a rolled-back
change takes its count with it.

`rebuild` counts everything again from the findings: after a bulk load that bypassed the
app, or when the bureau's time zone changes (the months are its calendar months).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, delete, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite

from ..models import Finding, FindingCount, FindingStatus

COUNTS = FindingCount.__table__
KEY = ("campaign_id", "unit_id", "month", "status")
FIGURES = ("findings", "handled", "assigned", "on_time", "reworked")
SETTLED = (FindingStatus.submitted.value, FindingStatus.closed.value)

Key = tuple[int, int, date, str]
Share = tuple[Key, tuple[int, ...]]


def local_month(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date().replace(day=1)


def share(finding: Finding | Mapping[str, Any], zone: ZoneInfo) -> Share | None:
    """What one finding adds to the counts, or None when it is out of their scope (merged, or
    covert and not yet disclosed). Takes a Finding or a row as the check writer inserts it."""
    get = finding.get if isinstance(finding, Mapping) else lambda name: getattr(finding, name)
    status = str(FindingStatus(get("status")).value)
    if status == FindingStatus.merged.value or (get("covert") and get("disclosed_at") is None):
        return None
    submitted_at, deadline = get("submitted_at"), get("deadline")
    on_time = (
        status in SETTLED and submitted_at is not None and deadline is not None and submitted_at <= deadline
    )
    key = (get("campaign_id"), get("assigned_unit_id") or 0, local_month(get("created_at"), zone), status)
    figures = (1, int(submitted_at is not None), int(get("assigned_at") is not None), int(on_time))
    return key, (*figures, int((get("rework_count") or 0) > 0))


def deltas(moves: Iterable[tuple[Share | None, Share | None]]) -> dict[Key, list[int]]:
    """The net change per row of counts, rows that net to nothing left out."""
    change: dict[Key, list[int]] = {}
    for before, after in moves:
        for part, sign in ((before, -1), (after, 1)):
            if part is None:
                continue
            key, figures = part
            row = change.setdefault(key, [0] * len(FIGURES))
            for i, n in enumerate(figures):
                row[i] += sign * n
    return {key: row for key, row in change.items() if any(row)}


@functools.cache
def upsert(dialect: str) -> Any:
    """One statement adding a row of figures to the counts, creating the row it needs; built and
    compiled once, executed with every changed row (rows go in key order, so two transactions
    touching the same rows lock them in the same order)."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(COUNTS)
    return statement.on_conflict_do_update(
        index_elements=[COUNTS.c[name] for name in KEY],
        set_={name: COUNTS.c[name] + statement.excluded[name] for name in FIGURES},
    )


def upsert_rows(change: dict[Key, list[int]]) -> list[dict[str, Any]]:
    return [
        dict(zip(KEY, key, strict=True)) | dict(zip(FIGURES, row, strict=True))
        for key, row in sorted(change.items())
    ]


async def apply(session: Any, moves: Iterable[tuple[Share | None, Share | None]]) -> None:
    """Add the findings' moves to the counts, in the caller's transaction."""
    change = deltas(moves)
    if change:
        await session.execute(upsert(session.bind.dialect.name), upsert_rows(change))


class Tracker:
    """Remembers what findings counted for when a change began, to apply the difference after."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._before: list[tuple[Finding, Share | None]] = []

    def watch(self, *findings: Finding) -> None:
        self._before.extend((f, share(f, self.zone)) for f in findings)

    async def apply(self, session: Any) -> None:
        await apply(session, ((before, share(f, self.zone)) for f, before in self._before))
        self._before.clear()


async def recount(db: Any) -> int:
    """Rebuild the counts in one write transaction of the app's database; returns the rows written."""
    zone = ZoneInfo(db.settings.timezone)
    async with db.write() as session:
        return int(await session.run_sync(lambda s: rebuild(s.connection(), zone)))


def rebuild(connection: Connection, zone: ZoneInfo) -> int:
    """Count every finding again (synchronous: run it with `run_sync`); returns the rows written."""
    connection.execute(delete(COUNTS))
    first, last = connection.execute(select(func.min(Finding.created_at), func.max(Finding.created_at))).one()
    if first is None:
        return 0
    months = [local_month(first, zone)]
    while months[-1] < local_month(last, zone):
        m = months[-1]
        months.append(date(m.year + (m.month == 12), m.month % 12 + 1, 1))
    starts = [datetime(m.year, m.month, 1, tzinfo=zone) for m in months]
    # The month a finding falls in: the last one that started before it.
    month = case(
        *((Finding.created_at >= start, i) for i, start in reversed(list(enumerate(starts)))), else_=0
    )
    settled = Finding.status.in_(SETTLED)
    figures = (
        func.count(),
        func.sum(case((Finding.submitted_at.is_not(None), 1), else_=0)),
        func.sum(case((Finding.assigned_at.is_not(None), 1), else_=0)),
        func.sum(case((settled & (Finding.submitted_at <= Finding.deadline), 1), else_=0)),
        func.sum(case((Finding.rework_count > 0, 1), else_=0)),
    )
    unit = func.coalesce(Finding.assigned_unit_id, 0).label("unit")
    query = (
        select(Finding.campaign_id, unit, month.label("month_index"), Finding.status, *figures)
        .where(
            Finding.status != FindingStatus.merged.value,
            (Finding.covert.is_(False)) | Finding.disclosed_at.is_not(None),
        )
        # By the output columns' names: PostgreSQL would not see that a second copy of an
        # expression with parameters of its own is the same one.
        .group_by(Finding.campaign_id, literal_column("unit"), literal_column("month_index"), Finding.status)
    )
    rows = [
        dict(zip(KEY, (campaign, unit_id, months[index], status), strict=True))
        | dict(zip(FIGURES, (int(n) for n in numbers), strict=True))
        for campaign, unit_id, index, status, *numbers in connection.execute(query).all()
    ]
    if rows:
        connection.execute(insert(COUNTS), rows)
    return len(rows)
