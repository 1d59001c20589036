"""The photo queue in the database: received photos whose copies are still to be made.

A job is claimed by setting its lease; on PostgreSQL the claim picks a row with
`FOR UPDATE SKIP LOCKED`, so workers never wait on each other's rows, and on SQLite (whose writes
are serialised) a conditional UPDATE on a free lease does the same. The job row is deleted in the
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

    async def claim(
        self, *, photo_id: int | None = None, now: datetime | None = None, held_too: bool = False
    ) -> Claim | None:
        """Take the oldest free job (or the given photo's, when it is free) for one lease;
        `held_too` takes jobs whose lease has not run out as well, for when no other worker can
        be running (after a restore, with every server stopped)."""
        now = now or utcnow()
        token = f"{self.holder}/{secrets.token_hex(4)}"
        free = true() if held_too else or_(JOBS.c.lease_until.is_(None), JOBS.c.lease_until < now)
        wanted = [free] if photo_id is None else [free, JOBS.c.photo_id == photo_id]
        values = {"claimed_by": token, "lease_until": now + self.lease, "attempts": JOBS.c.attempts + 1}
        returning = (JOBS.c.id, JOBS.c.photo_id, JOBS.c.attempts)
        async with self.db.write() as session:
            if self.db.engine.dialect.name == "postgresql":
                oldest = (
                    select(JOBS.c.id)
                    .where(*wanted)
                    .order_by(JOBS.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                    .scalar_subquery()
                )
                row = (
                    await session.execute(
                        update(JOBS).where(JOBS.c.id == oldest).values(values).returning(*returning)
                    )
                ).first()
            else:
                row = None
                for _try in range(3):  # another process may take the candidate between the two statements
                    job_id = await session.scalar(
                        select(JOBS.c.id).where(*wanted).order_by(JOBS.c.id).limit(1)
                    )
                    if job_id is None:
                        break
                    row = (
                        await session.execute(
                            update(JOBS).where(JOBS.c.id == job_id, free).values(values).returning(*returning)
                        )
                    ).first()
                    if row is not None:
                        break
        if row is None:
            return None
        return Claim(job_id=row.id, photo_id=row.photo_id, attempts=row.attempts, token=token)

    @staticmethod
    async def finish(session: AsyncSession, claim: Claim) -> bool:
        """Delete the job in the caller's transaction if this claim still holds it; False when its
        lease ran out and another worker took it (the caller then records nothing)."""
        result = await session.execute(
            delete(JOBS).where(JOBS.c.id == claim.job_id, JOBS.c.claimed_by == claim.token)
        )
        return (result.rowcount or 0) == 1

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
