"""Per-year numbering of official documents: unique and without gaps, however many are issued at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError


async def next_in_year(session: Any, counter: Any, year: int) -> int:
    """The year's next number from `counter` (a model with `year` and `last`), in the caller's
    write transaction. The year's row stays locked until that transaction ends (SELECT ... FOR
    UPDATE; on SQLite the write lock does that), so two writers never take the same number, and
    a transaction that rolls back gives its number back: no gaps."""
    row = await session.scalar(select(counter).where(counter.year == year).with_for_update())
    if row is None:
        try:
            async with session.begin_nested():
                row = counter(year=year, last=0)
                session.add(row)
        except IntegrityError:  # another writer started the year's count a moment ago
            row = await session.scalar(select(counter).where(counter.year == year).with_for_update())
    row.last += 1
    return int(row.last)
