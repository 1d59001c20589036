"""How much photo decoding may happen at once.

A decoded photo costs about 3 to 7 bytes per pixel for as long as it is being worked on, whatever
its file size: a 115 KB PNG can say 40 megapixels. So decodes are admitted by a count and by a
budget of pixels in flight (a semaphore weighted by the header's pixel count), and the number of
uploads allowed to wait for their turn is bounded too: past it, or after waiting too long, the
upload is answered 503 with Retry-After, which the phone's outbox retries later.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class DecodeBusy(Exception):
    """No room to decode now; the caller should answer 503 and ask to retry after `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"photo decoding is saturated; retry after {retry_after} s")
        self.retry_after = retry_after


class DecodeLimiter:
    def __init__(self, *, slots: int, pixels: int, queue: int, wait_seconds: float) -> None:
        if slots < 1 or pixels < 1 or queue < 0 or wait_seconds < 0:
            raise ValueError("decode limits must be positive")
        self.slots = slots
        self.pixels = pixels
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.running = 0
        self.pixels_in_flight = 0
        self.waiting = 0
        # Created on first use, inside the running loop.
        self._changed: asyncio.Condition | None = None

    def _fits(self, pixels: int) -> bool:
        # A photo bigger than the whole budget still gets decoded, alone.
        alone = self.running == 0
        return alone or (self.running < self.slots and self.pixels_in_flight + pixels <= self.pixels)

    @property
    def retry_after(self) -> int:
        return max(1, round(self.wait_seconds / 2))

    @asynccontextmanager
    async def admit(self, pixels: int) -> AsyncIterator[None]:
        """Hold a decode slot and `pixels` of the budget for the duration of the block."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        changed = self._changed
        async with changed:
            if not self._fits(pixels):
                if self.waiting >= self.queue:
                    raise DecodeBusy(self.retry_after)
                self.waiting += 1
                try:
                    await asyncio.wait_for(changed.wait_for(lambda: self._fits(pixels)), self.wait_seconds)
                except TimeoutError:
                    raise DecodeBusy(self.retry_after) from None
                finally:
                    self.waiting -= 1
            self.running += 1
            self.pixels_in_flight += pixels
        try:
            yield
        finally:
            async with changed:
                self.running -= 1
                self.pixels_in_flight -= pixels
                changed.notify_all()
