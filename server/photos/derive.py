"""Making the display copy and thumbnail of received photos, after they were acknowledged.

Every server process runs a PhotoDeriver in the background; `xuncha photos process` drains the
queue from the command line. Decoding goes through the service's decode budget, so a burst of
uploads never decodes more at once than the budget allows. A photo that cannot be decoded is marked
undecodable (its original stays, for the office), and one that keeps killing its worker is given up
after a few attempts instead of being retried forever.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread

from ..audit.chain import AuditLog
from ..db import Database
from ..models import Photo
from ..settings import Settings
from ..tasks import cancel_and_wait
from .limits import DecodeBusy, DecodeLimiter
from .pipeline import PhotoRejected, ProcessedPhoto, process_photo
from .queue import Claim, PhotoQueue
from .store import PhotoMissing, PhotoStore, derived_key, original_key

log = logging.getLogger("xuncha.photos")
# A job claimed this often without a result (its worker died each time) is given up.
MAX_ATTEMPTS = 5
# How long a job waits after the store could not be read or written.
STORE_RETRY_SECONDS = 60.0
PROCESSING, READY, UNDECODABLE = "processing", "ready", "undecodable"
# Called in the transaction that records a derived photo: the domains that own photos add the
# flags that need the decoded picture (a rectification photo that repeats the finding's photo).
DerivedHook = Callable[[Any, Photo, AuditLog], Awaitable[None]]


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

    # --- one job ---------------------------------------------------------------------------------------

    async def drain(self, *, held_too: bool = False) -> int:
        """Process jobs until none is free; the number processed. `held_too`: see PhotoQueue.claim;
        a job given back for later (a store that cannot write) is not taken again by this drain."""
        done: set[int] = set()
        while (claim := await self.queue.claim(held_too=held_too)) is not None:
            if claim.job_id in done:
                await self.queue.release(claim, retry_in=STORE_RETRY_SECONDS)
                break
            done.add(claim.job_id)
            await self.process(claim)
        return len(done)

    async def derive_now(self, photo_id: int) -> None:
        """Process this photo's job at once if no worker holds it (someone is waiting for it)."""
        claim = await self.queue.claim(photo_id=photo_id)
        if claim is not None:
            await self.process(claim)

    async def process(self, claim: Claim) -> None:
        async with self.db.read() as session:
            photo = await session.get(Photo, claim.photo_id)
        if photo is None or photo.sha256 is None:
            return  # deleted with its check: the job went with it
        if claim.attempts > MAX_ATTEMPTS:
            log.error("photo %s killed its worker %s times; marked undecodable", photo.uuid, MAX_ATTEMPTS)
            await self._record(claim, None)
            return
        try:
            data = await anyio.to_thread.run_sync(
                self.store.get, original_key(photo.sha256, photo.media_type or "")
            )
            async with self.decoding.admit((photo.width or 1) * (photo.height or 1)):
                processed = await anyio.to_thread.run_sync(self._decode, data, photo.media_type or "")
            await anyio.to_thread.run_sync(self._put_copies, processed)
        except PhotoMissing:
            log.error("the original of photo %s is not in the photo store; marked undecodable", photo.uuid)
            await self._record(claim, None)
        except PhotoRejected as exc:
            log.warning("photo %s cannot be decoded: %s", photo.uuid, exc.message)
            await self._record(claim, None)
        except DecodeBusy as exc:
            await self.queue.release(claim, retry_in=exc.retry_after)
        except OSError as exc:
            log.error("the photo store failed for photo %s: %s; retried later", photo.uuid, exc)
            await self.queue.release(claim, retry_in=STORE_RETRY_SECONDS)
        else:
            await self._record(claim, processed)

    def _decode(self, data: bytes, media_type: str) -> ProcessedPhoto:
        # The size was checked when the photo arrived; a lower limit set since does not undo that.
        return process_photo(
            data, media_type, max_bytes=max(len(data), 1), max_pixels=self.settings.max_photo_pixels
        )

    def _put_copies(self, processed: ProcessedPhoto) -> None:
        self.store.put(derived_key("display", processed.sha256), processed.display_jpeg)
        self.store.put(derived_key("thumb", processed.sha256), processed.thumb_jpeg)

    async def _record(self, claim: Claim, processed: ProcessedPhoto | None) -> None:
        async with self.db.write() as session:
            if not await self.queue.finish(session, claim):
                return  # the lease ran out and another worker has the job now
            photo = await session.get(Photo, claim.photo_id, populate_existing=True)
            if photo is None:
                return
            audit = AuditLog(actor_id=None)
            if processed is None:
                photo.status = UNDECODABLE
                audit.record("photo.undecodable", "photo", photo)
            else:
                photo.status, photo.phash = READY, processed.phash
                for hook in self.hooks:
                    await hook(session, photo, audit)
            await audit.write(session)

    # --- in the background -----------------------------------------------------------------------------

    def wake(self) -> None:
        """A photo was queued in this process: look now rather than at the next poll."""
        if self._wake is not None:
            self._wake.set()

    def start(self, workers: int = 1) -> None:
        if self._tasks or workers < 1:
            return
        self._wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._loop(), name=f"xuncha-photos-{n}") for n in range(workers)]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)
        self._wake = None

    async def _loop(self) -> None:
        poll = max(0.05, self.settings.photo_queue_poll_seconds)
        while True:
            try:
                await self.drain()
            except Exception:  # the database went away for a moment: the jobs stay queued
                log.exception("photo derivation failed; retrying")
            assert self._wake is not None
            try:
                await asyncio.wait_for(self._wake.wait(), poll * random.uniform(0.8, 1.2))
            except TimeoutError:
                pass
            self._wake.clear()
