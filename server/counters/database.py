"""Counters in the database: one row per key, counted by INSERT ... ON CONFLICT DO UPDATE.

The upsert is one statement, atomic on SQLite (writes are serialised) and on PostgreSQL
(the conflicting row is locked), so hits from any number of processes all count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db import Database
from ..models import Counter
from . import Tally


class DatabaseCounters:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def hit(self, key: str, window_seconds: float, now: float) -> int:
        return (await self.hit_many([(key, window_seconds)], now))[0]

    async def hit_many(self, hits: list[tuple[str, float]], now: float) -> list[int]:
        async with self.db.write() as session:
            return [
                int((await session.execute(self._upsert(key, window, now))).scalar_one())
                for key, window in hits
            ]

    def _upsert(self, key: str, window_seconds: float, now: float) -> Any:
        insert = sqlite_insert if self.db.sqlite else pg_insert
        statement = insert(Counter).values(
            key=key, window_start=now, window_seconds=window_seconds, count=1, last_at=now
        )
        lapsed = Counter.window_start + Counter.window_seconds <= now
        statement = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "count": case((lapsed, 1), else_=Counter.count + 1),
                "window_start": case((lapsed, now), else_=Counter.window_start),
                "window_seconds": window_seconds,
                "last_at": now,
            },
        ).returning(Counter.count)
        return statement

    async def get(self, keys: list[str]) -> dict[str, Tally]:
        async with self.db.read() as session:
            rows = await session.execute(
                select(Counter.key, Counter.count, Counter.last_at).where(Counter.key.in_(keys))
            )
            return {key: Tally(count, last_at) for key, count, last_at in rows}

    async def forget(self, key: str) -> None:
        async with self.db.write() as session:
            await session.execute(delete(Counter).where(Counter.key == key))

    async def purge(self, now: float, grace_seconds: float) -> int:
        async with self.db.write() as session:
            result = await session.execute(
                delete(Counter).where(Counter.window_start + Counter.window_seconds + grace_seconds < now)
            )
            return result.rowcount or 0  # type: ignore[attr-defined]

    async def close(self) -> None:
        return None
