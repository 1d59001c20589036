"""The per-year notice numbers across a transfer: printed on paper, so they are never changed.

A unit rectification notice is known by its number (year and sequence, unique in a database).
The same number in both databases is the same notice only when it was issued to the same unit
for the same period (the district started from a copy of the central database); two different
notices under one number cannot both be kept, and matching one to the other would lose the
district's, its answer and its document. So such a clash refuses the transfer before anything
moves. Afterwards each year's counters continue past the highest number either database used.
"""

from __future__ import annotations

from sqlalchemy import select

from ..db import Database
from ..models import NoticeCounter, Unit, UnitNotice, UnitNoticeCounter

COUNTERS = (NoticeCounter, UnitNoticeCounter)


async def _numbered(db: Database) -> dict[tuple[int, int], tuple[str, str, str]]:
    async with db.read() as session:
        rows = await session.execute(
            select(UnitNotice.year, UnitNotice.seq, UnitNotice.number, Unit.code, UnitNotice.period).join(
                Unit, Unit.id == UnitNotice.unit_id
            )
        )
        return {(year, seq): (number, unit, period) for year, seq, number, unit, period in rows}


async def unit_notice_clashes(source: Database, target: Database) -> list[str]:
    """The district's notice numbers that the central database gave to other notices."""
    theirs, ours = await _numbered(source), await _numbered(target)
    return sorted(
        number
        for key, (number, unit, period) in theirs.items()
        if key in ours and ours[key][1:] != (unit, period)
    )


async def merge_counters(source: Database, target: Database) -> None:
    """Each year's sequence continues past the district's, so no later notice repeats a number."""
    for model in COUNTERS:
        async with source.read() as session:
            theirs = {row.year: row.last for row in (await session.scalars(select(model))).all()}
        async with target.write() as session:
            for year, last in theirs.items():
                ours = await session.get(model, year)
                if ours is None:
                    session.add(model(year=year, last=last))
                elif ours.last < last:
                    ours.last = last
