"""The photo queue in the database: received photos whose copies are still to be made.

A job is claimed by setting its lease, several at a time in one statement; on PostgreSQL the claim
picks rows with `FOR UPDATE SKIP LOCKED`, so workers never wait on each other's rows, and on SQLite
(whose writes are serialised) a conditional UPDATE on a free lease does the same. The job row is deleted in the
very transaction that records its result, and only by the claim that still holds it: a worker
killed half-way leaves the row with a lease that runs out, another worker takes it, and a worker
that comes back after its lease was taken over records nothing. So each photo's result is
recorded exactly once, however many workers and crashes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import Database
from ..models import PhotoJob, utcnow
from ..tasks.runner import holder_name

JOBS = PhotoJob.__table__


@dataclass(frozen=True)
class Claim:
    job_id: int
    photo_id: int
    attempts: int
    token: str


class PhotoQueue:
    def __init__(self, db: Database, *, lease_seconds: float, holder: str | None = None) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)
        self.holder = holder or holder_name()

    @staticmethod
    async def enqueue(session: AsyncSession, photo_id: int) -> None:
        """Queue the photo, in the transaction that marks it received."""
        await session.execute(insert(JOBS).values(photo_id=photo_id, enqueued_at=utcnow(), attempts=0))

    @staticmethod
    async def enqueue_many(session: AsyncSession, photo_ids: list[int]) -> None:
        """Queue several photos in one statement, in the transaction that marks them received."""
        if photo_ids:
            now = utcnow()
            await session.execute(
                insert(JOBS), [{"photo_id": i, "enqueued_at": now, "attempts": 0} for i in photo_ids]
            )

    async def claim(
        self, *, photo_id: int | None = None, now: datetime | None = None, held_too: bool = False
    ) -> Claim | None:
        """Take the oldest free job (or the given photo's, when it is free) for one lease;
        `held_too` takes jobs whose lease has not run out as well, for when no other worker can
        be running (after a restore, with every server stopped)."""
        claims = await self.claim_many(1, photo_id=photo_id, now=now, held_too=held_too)
        return claims[0] if claims else None

    async def claim_many(
        self,
        limit: int,
        *,
        photo_id: int | None = None,
        now: datetime | None = None,
        held_too: bool = False,
        untried: bool = False,
    ) -> list[Claim]:
        """Take up to `limit` of the oldest free jobs in one statement, oldest first, all under one
        token; `untried`: only jobs no worker has died on. On PostgreSQL rows another worker is
        claiming are skipped, not waited for; on SQLite the write transaction (BEGIN IMMEDIATE)
        already keeps other writers out."""
        now = now or utcnow()
        token = f"{self.holder}/{secrets.token_hex(4)}"
        free = true() if held_too else or_(JOBS.c.lease_until.is_(None), JOBS.c.lease_until < now)
        wanted = [free] if photo_id is None else [free, JOBS.c.photo_id == photo_id]
        if untried:
            wanted.append(JOBS.c.attempts == 0)
        oldest = select(JOBS.c.id).where(*wanted).order_by(JOBS.c.id).limit(max(1, limit))
        if self.db.engine.dialect.name == "postgresql":
            oldest = oldest.with_for_update(skip_locked=True)
        values = {"claimed_by": token, "lease_until": now + self.lease, "attempts": JOBS.c.attempts + 1}
        statement = (
            update(JOBS)
            .where(JOBS.c.id.in_(oldest), free)
            .values(values)
            .returning(JOBS.c.id, JOBS.c.photo_id, JOBS.c.attempts)
        )
        async with self.db.write() as session:
            rows = (await session.execute(statement)).all()
        claims = [Claim(job_id=r.id, photo_id=r.photo_id, attempts=r.attempts, token=token) for r in rows]
        return sorted(claims, key=lambda c: c.job_id)

    @staticmethod
    async def finish(session: AsyncSession, claim: Claim) -> bool:
        """Delete the job in the caller's transaction if this claim still holds it; False when its
        lease ran out and another worker took it (the caller then records nothing)."""
        result = await session.execute(
            delete(JOBS).where(JOBS.c.id == claim.job_id, JOBS.c.claimed_by == claim.token)
        )
        return (result.rowcount or 0) == 1

    @staticmethod
    async def finish_many(session: AsyncSession, claims: list[Claim]) -> set[int]:
        """`finish` for several claims in one statement: the job ids this worker still held (and
        has now deleted); the others' leases ran out and another worker has them."""
        held: set[int] = set()
        by_token: dict[str, list[int]] = {}
        for claim in claims:
            by_token.setdefault(claim.token, []).append(claim.job_id)
        for token, ids in by_token.items():
            result = await session.execute(
                delete(JOBS).where(JOBS.c.id.in_(ids), JOBS.c.claimed_by == token).returning(JOBS.c.id)
            )
            held.update(result.scalars().all())
        return held

    async def release(self, claim: Claim, *, retry_in: float = 0.0) -> None:
        """Give the job back (a full store, a saturated decoder): any worker may take it again after
        `retry_in` seconds."""
        async with self.db.write() as session:
            await session.execute(
                update(JOBS)
                .where(JOBS.c.id == claim.job_id, JOBS.c.claimed_by == claim.token)
                # A job given back did not kill its worker: the attempt does not count.
                .values(
                    claimed_by=None,
                    lease_until=utcnow() + timedelta(seconds=retry_in),
                    attempts=JOBS.c.attempts - 1,
                )
            )

    async def pending(self) -> int:
        async with self.db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(JOBS)) or 0)
