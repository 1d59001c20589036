"""Counters that every server process shares: login throttling and rate limits.

In the database by default (a row per key, updated by an atomic upsert, so it holds on one
SQLite file and on a PostgreSQL behind several workers and machines), or in Redis when
XUNCHA_REDIS_URL names one. A hit counts within a window that starts at the key's first hit
and lasts window_seconds; a hit after the window has lapsed starts a new window at one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..db import Database
from ..settings import Settings


@dataclass(frozen=True)
class Tally:
    count: int
    last_at: float  # seconds since the epoch of the latest hit


class Counters(Protocol):
    async def hit(self, key: str, window_seconds: float, now: float) -> int:
        """Count one hit of key; returns the count in its window, this hit included."""
        ...

    async def hit_many(self, hits: list[tuple[str, float]], now: float) -> list[int]:
        """Count one hit of each (key, window_seconds) at once (one transaction, one round trip)."""
        ...

    async def get(self, keys: list[str]) -> dict[str, Tally]:
        """The tallies of those keys that have one."""
        ...

    async def forget(self, key: str) -> None: ...

    async def purge(self, now: float, grace_seconds: float) -> int:
        """Drop keys whose window lapsed more than grace_seconds ago; returns how many."""
        ...

    async def close(self) -> None: ...


def make_counters(settings: Settings, db: Database) -> Counters:
    if settings.redis_url:
        from .redis import RedisCounters

        return RedisCounters(settings.redis_url, keep_after=settings.login_lockout_max_seconds)
    from .database import DatabaseCounters

    return DatabaseCounters(db)


__all__ = ["Counters", "Tally", "make_counters"]
