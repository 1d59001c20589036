"""Group commit for received photos: many acknowledgements, one write transaction.

Marking a photo received is a short transaction (the photo, its check or rectification, the
queued job, the audit entries), but every one of them ends by appending to the audit chain,
whose head row is locked until the commit: one transaction per photo makes every upload in
every process wait in line for that lock, and on SQLite for the single writer besides. So a
request whose original is stored hands the photo to the writer of its process, which records
the photos waiting in one transaction (a few such transactions at a time), one after another,
and answers each request only after the commit: nothing is acknowledged that is not stored.

Each photo's own step runs in its request's context (its language, among others), and is
flushed before the next one starts, so it sees the photos before it exactly as if they had
been committed one by one. A photo that appears twice waits for the next transaction. When
the transaction fails, nothing of it was stored, and every request of it records its photo
alone, as it would without the writer (a failure that is one photo's own then reaches only
that photo's request).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import select

from ..audit.chain import AuditLog
from ..db import Database
from ..models import Photo
from .pipeline import PhotoFacts
from .presenters import photo_json
from .queue import PhotoQueue

log = logging.getLogger("xuncha.photos")
MAX_BATCH = 25
# Transactions under way at once in one process: each runs its photos' statements one after another,
# so a few side by side keep the database busy while each waits for its answers.
MAX_WRITERS = 4
PROCESSING = "processing"

OnReceived = Callable[[Any, Photo, PhotoFacts, AuditLog], Awaitable[dict[str, Any]]]
OnReplay = Callable[[Any, Photo], Awaitable[dict[str, Any]]]
Answer = tuple[int, dict[str, Any]]


class Unwritten(Enum):
    differs = "differs"  # other bytes were received under this photo first
    alone = "alone"  # the shared transaction failed: the caller records the photo on its own


@dataclass
class Arrival:
    user_id: int
    photo_id: int
    facts: PhotoFacts
    on_received: OnReceived
    on_replay: OnReplay
    context: contextvars.Context
    future: asyncio.Future[Answer | Unwritten] = field(repr=False)


async def record_received(
    session: Any,
    fresh: Photo,
    user_id: int,
    facts: PhotoFacts,
    on_received: OnReceived,
    on_replay: OnReplay,
    audit: AuditLog,
) -> Answer | Unwritten:
    """Mark one photo received in the caller's transaction (or answer its replay): the receipt,
    with the audit entries added to `audit` and the photo's job left for the caller to queue."""
    if fresh.received_at is not None:  # a concurrent upload won the race
        if fresh.sha256 != facts.sha256:
            return Unwritten.differs
        return 200, photo_json(fresh) | await on_replay(session, fresh)
    own = AuditLog(actor_id=user_id)
    extra = await on_received(session, fresh, facts, own)
    fresh.status = PROCESSING
    await session.flush()
    audit.pending.extend(own.pending)
    return 201, photo_json(fresh) | extra


class ReceiptWriter:
    """One per process; up to MAX_WRITERS tasks run while photos are waiting, each taking what is
    waiting when it is free, and end when none is. The same photo sent twice at once may reach two
    of them: the second waits on the photo's row lock (PostgreSQL) or the write lock (SQLite), then
    finds it received and answers it as a replay."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[Arrival] = []
        self._writers: set[asyncio.Task[None]] = set()

    async def submit(
        self, user_id: int, photo_id: int, facts: PhotoFacts, on_received: OnReceived, on_replay: OnReplay
    ) -> Answer | Unwritten:
        loop = asyncio.get_running_loop()
        arrival = Arrival(
            user_id, photo_id, facts, on_received, on_replay, contextvars.copy_context(), loop.create_future()
        )
        self._waiting.append(arrival)
        if len(self._writers) < MAX_WRITERS:
            writer = loop.create_task(self._run(), name="xuncha-photo-receipts")
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        # Shielded: a client that hangs up does not undo a write already under way.
        return await asyncio.shield(arrival.future)

    async def _run(self) -> None:
        while self._waiting:
            batch: list[Arrival] = []
            later: list[Arrival] = []
            seen: set[int] = set()
            for arrival in self._waiting:
                if arrival.photo_id in seen or len(batch) >= MAX_BATCH:
                    later.append(arrival)
                else:
                    seen.add(arrival.photo_id)
                    batch.append(arrival)
            self._waiting = later
            try:
                answers = await self._write(batch)
            except Exception:
                if len(batch) > 1:
                    log.warning("recording %d received photos together failed; each alone", len(batch))
                answers = [Unwritten.alone] * len(batch)
            for arrival, answer in zip(batch, answers, strict=True):
                if not arrival.future.done():
                    arrival.future.set_result(answer)

    async def _write(self, batch: list[Arrival]) -> list[Answer | Unwritten]:
        answers: list[Answer | Unwritten] = []
        async with self.db.write() as session:
            # Locked (on PostgreSQL) in one order: an upload of the same photo to another process
            # waits for this commit, then finds the photo received.
            photos = {
                p.id: p
                for p in await session.scalars(
                    select(Photo)
                    .where(Photo.id.in_([a.photo_id for a in batch]))
                    .order_by(Photo.id)
                    .with_for_update(of=Photo)
                    .execution_options(populate_existing=True)
                )
            }
            audit = AuditLog(actor_id=None)
            for a in batch:
                fresh = photos.get(a.photo_id)
                if fresh is None:
                    raise LookupError(f"photo {a.photo_id} was deleted while it was being received")
                # In the request's own context: its language for anything the step says.
                step = asyncio.get_running_loop().create_task(
                    record_received(session, fresh, a.user_id, a.facts, a.on_received, a.on_replay, audit),
                    context=a.context,
                )
                answers.append(await step)
            await PhotoQueue.enqueue_many(
                session, [a.photo_id for a, answer in zip(batch, answers, strict=True) if is_new(answer)]
            )
            await audit.write(session)
        return answers


def is_new(answer: Answer | Unwritten) -> bool:
    return not isinstance(answer, Unwritten) and answer[0] == 201
