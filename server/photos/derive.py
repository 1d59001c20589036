"""Making the display copy and thumbnail of received photos, after they were acknowledged.

Every server process runs a PhotoDeriver in the background; `xuncha photos process` drains the
queue from the command line. Jobs are claimed and recorded several at a time. In the background at
most one job per core is worked on at once, and while photos keep arriving that work runs in
threads of a lower priority than the requests, so a rush of uploads is acknowledged first and its
copies are made with the CPU left over; while a crowd of uploads is under way at once, it waits
(at most a minute between batches). Decoding goes through the service's decode budget, so a
burst of uploads never decodes more at once than the budget allows. A photo that cannot be decoded
is marked undecodable (its original stays, for the office), and one that keeps killing its worker
is given up after a few attempts instead of being retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import select

from ..audit.chain import AuditLog
from ..db import Database
from ..models import Photo
from ..settings import Settings
from ..tasks import cancel_and_wait
from ..tasks.background import lower_thread_priority
from .limits import DecodeBusy, DecodeLimiter
from .pipeline import PhotoRejected, ProcessedPhoto, process_photo
from .queue import Claim, PhotoQueue
from .store import PhotoMissing, PhotoStore, derived_key, original_key

log = logging.getLogger("xuncha.photos")
# A job claimed this often without a result (its worker died each time) is given up.
MAX_ATTEMPTS = 5
PROCESSING, READY, UNDECODABLE = "processing", "ready", "undecodable"
# Jobs taken per claim and recorded per transaction: three transactions for eight photos instead
# of three for each. Eight phone photos take well under a second, far inside a lease. Only jobs no
# worker has died on are claimed together; the others one at a time, so that a photo that kills
# its worker takes no other photo's attempts with it.
CLAIM_BATCH = 8
# While photos keep arriving (one within this many seconds), the background makes the copies in
# threads with this nice value (Linux, where it is per thread): with the CPU the acknowledgements
# leave over, so a rush of uploads is answered first. Once the rush is over, at normal priority
# again, so that the copies are not left behind whatever else runs on the machine.
YIELD_SECONDS = 5.0
BACKGROUND_NICE = 10
# While this many photo uploads are under way in the process at once (phones coming back into
# signal together), the background makes no copies at all: the CPU goes to acknowledging the
# uploads, so that phones can empty their outboxes sooner. The copies are the same work done a
# little later, once the crowd has thinned; a crowd that never thins still lets one batch through
# every CROWD_WAIT_SECONDS, so no copy waits for ever.
CROWD = 4
CROWD_WAIT_SECONDS = 60.0
CROWD_POLL_SECONDS = 0.2
# Called in the transaction that records a derived photo: the domains that own photos add the
# flags that need the decoded picture (a rectification photo that repeats the finding's photo).
DerivedHook = Callable[[Any, Photo, AuditLog], Awaitable[None]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Original:
    uuid: str
    sha256: str
    media_type: str
    pixels: int


def background_threads(workers: int) -> int:
    """Derivation threads for one server process: as asked, but never more than the cores."""
    return max(0, min(workers, os.cpu_count() or 1))


class PhotoDeriver:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        store: PhotoStore,
        queue: PhotoQueue,
        decoding: DecodeLimiter,
    ) -> None:
        self.db = db
        self.settings = settings
        self.store = store
        self.queue = queue
        self.decoding = decoding
        self.hooks: list[DerivedHook] = []
        self._wake: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # The background's own threads, at a lower priority, for while photos are arriving.
        self._pool: ThreadPoolExecutor | None = None
        self._last_arrival = -YIELD_SECONDS
        self._arriving = 0

    # --- jobs --------------------------------------------------------------------------------------------

    async def drain(
        self, *, held_too: bool = False, before_each: Callable[[], Awaitable[None]] | None = None
    ) -> int:
        """Process jobs until none is free; the number processed. `held_too`: see PhotoQueue.claim;
        a job given back for later (a store that cannot write) is not taken again by this drain.
        `before_each` is awaited before each claim (the background waits there for a crowd)."""
        done: set[int] = set()
        while True:
            if before_each is not None:
                await before_each()
            claims = await self.queue.claim_many(
                CLAIM_BATCH, held_too=held_too, untried=True
            ) or await self.queue.claim_many(1, held_too=held_too)
            if not claims:
                break
            again = [c for c in claims if c.job_id in done]
            for claim in again:
                await self.queue.release(claim, retry_in=self.settings.photo_store_retry_seconds)
            fresh = [c for c in claims if c.job_id not in done]
            done.update(c.job_id for c in fresh)
            if fresh:
                await self.process_many(fresh)
            if again:
                break
        return len(done)

    async def derive_now(self, photo_id: int) -> None:
        """Process this photo's job at once if no worker holds it (someone is waiting for it)."""
        claim = await self.queue.claim(photo_id=photo_id)
        if claim is not None:
            await self.process_many([claim], urgent=True)

    async def process(self, claim: Claim) -> None:
        await self.process_many([claim])

    async def process_many(self, claims: list[Claim], *, urgent: bool = False) -> None:
        """Make the copies of the claimed photos, one after another, and record them all in one
        transaction. `urgent`: someone waits for it, so not in the low-priority threads."""
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(
                        Photo.id, Photo.uuid, Photo.sha256, Photo.media_type, Photo.width, Photo.height
                    ).where(Photo.id.in_([c.photo_id for c in claims]))
                )
            ).all()
        originals = {
            r.id: _Original(r.uuid, r.sha256, r.media_type or "", (r.width or 1) * (r.height or 1))
            for r in rows
            if r.sha256 is not None
        }
        results: list[tuple[Claim, ProcessedPhoto | None]] = []
        for claim in claims:
            original = originals.get(claim.photo_id)
            if original is None:
                continue  # deleted with its check: the job went with it
            if claim.attempts > MAX_ATTEMPTS:
                log.error(
                    "photo %s killed its worker %s times; marked undecodable", original.uuid, MAX_ATTEMPTS
                )
                results.append((claim, None))
                continue
            outcome = await self._derive(claim, original, urgent)
            if outcome is not False:
                results.append((claim, outcome))
        if results:
            await self._record(results)

    async def _derive(self, claim: Claim, original: _Original, urgent: bool) -> ProcessedPhoto | None | bool:
        """The copies made and stored, None when the photo cannot be decoded, False when the job
        was given back for later."""
        yielding = time.monotonic() - self._last_arrival < YIELD_SECONDS
        thread = (
            self._in_pool if yielding and not urgent and self._pool is not None else anyio.to_thread.run_sync
        )
        try:
            data = await thread(self.store.get, original_key(original.sha256, original.media_type))
            async with self.decoding.admit(original.pixels):
                processed = await thread(self._decode, data, original)
            await thread(self._put_copies, processed)
        except PhotoMissing:
            log.error("the original of photo %s is not in the photo store; marked undecodable", original.uuid)
            return None
        except PhotoRejected as exc:
            log.warning("photo %s cannot be decoded: %s", original.uuid, exc.message)
            return None
        except DecodeBusy as exc:
            await self.queue.release(claim, retry_in=exc.retry_after)
        except OSError as exc:
            log.error("the photo store failed for photo %s: %s; retried later", original.uuid, exc)
            await self.queue.release(claim, retry_in=self.settings.photo_store_retry_seconds)
        else:
            return processed
        return False

    async def _in_pool(self, func: Callable[..., _T], *args: Any) -> _T:
        assert self._pool is not None
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    def _decode(self, data: bytes, original: _Original) -> ProcessedPhoto:
        # The size was checked when the photo arrived; a lower limit set since does not undo that.
        return process_photo(
            data,
            original.media_type,
            max_bytes=max(len(data), 1),
            max_pixels=self.settings.max_photo_pixels,
            sha256=original.sha256,
        )

    def _put_copies(self, processed: ProcessedPhoto) -> None:
        self.store.put(derived_key("display", processed.sha256), processed.display_jpeg)
        self.store.put(derived_key("thumb", processed.sha256), processed.thumb_jpeg)

    async def _record(self, results: list[tuple[Claim, ProcessedPhoto | None]]) -> None:
        async with self.db.write() as session:
            # Only the jobs this worker still holds: a lease that ran out went to another worker.
            held = await self.queue.finish_many(session, [claim for claim, _ in results])
            ids = [claim.photo_id for claim, _ in results if claim.job_id in held]
            if not ids:
                return
            photos = {
                p.id: p
                for p in (
                    await session.scalars(
                        select(Photo).where(Photo.id.in_(ids)).execution_options(populate_existing=True)
                    )
                ).all()
            }
            audit = AuditLog(actor_id=None)
            ready: list[Photo] = []
            for claim, processed in results:
                photo = photos.get(claim.photo_id)
                if photo is None or claim.job_id not in held:
                    continue
                if processed is None:
                    photo.status = UNDECODABLE
                    audit.record("photo.undecodable", "photo", photo)
                else:
                    photo.status, photo.phash = READY, processed.phash
                    ready.append(photo)
            # Every phash of the batch is in the database before any hook compares phashes.
            await session.flush()
            for photo in ready:
                for hook in self.hooks:
                    await hook(session, photo, audit)
            await audit.write(session)

    # --- in the background -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Around the receiving of an upload: while CROWD of them are under way, the background
        waits (`after_the_crowd`)."""
        self._arriving += 1
        try:
            yield
        finally:
            self._arriving -= 1

    async def after_the_crowd(self) -> None:
        """Return once fewer than CROWD uploads are under way, or after CROWD_WAIT_SECONDS."""
        waited = 0.0
        while self._arriving >= CROWD and waited < CROWD_WAIT_SECONDS:
            await asyncio.sleep(CROWD_POLL_SECONDS)
            waited += CROWD_POLL_SECONDS

    def wake(self) -> None:
        """A photo was queued in this process: look now rather than at the next poll."""
        self._last_arrival = time.monotonic()
        if self._wake is not None:
            self._wake.set()

    def start(self, workers: int = 1) -> None:
        threads = background_threads(workers)
        if self._tasks or threads < 1:
            return
        self._wake = asyncio.Event()
        self._pool = ThreadPoolExecutor(
            threads, "xuncha-photos", initializer=functools.partial(lower_thread_priority, BACKGROUND_NICE)
        )
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._loop(), name=f"xuncha-photos-{n}") for n in range(threads)]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)
        self._wake = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def _loop(self) -> None:
        poll = max(0.05, self.settings.photo_queue_poll_seconds)
        while True:
            try:
                await self.drain(before_each=self.after_the_crowd)
            except Exception:  # the database went away for a moment: the jobs stay queued
                log.exception("photo derivation failed; retrying")
            assert self._wake is not None
            try:
                await asyncio.wait_for(self._wake.wait(), poll * random.uniform(0.8, 1.2))
            except TimeoutError:
                pass
            self._wake.clear()
