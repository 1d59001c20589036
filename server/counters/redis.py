"""Counters in Redis (XUNCHA_REDIS_URL): a hash per key, counted by one Lua script.

The script runs atomically in Redis, so processes on several machines share the counts.
Keys expire by themselves a grace period after their window, so no purge is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..errors import Unavailable
from ..i18n import gettext as _
from . import Tally

log = logging.getLogger("xuncha.counters")
# A Redis that does not answer within this long is down, for this request.
TIMEOUT_SECONDS = 2.0
RETRY_AFTER = 30


@contextmanager
def answering() -> Iterator[None]:
    """Redis down is the server's state, not the client's fault: a 503 with Retry-After, never a 500."""
    try:
        yield
    except RedisError as exc:
        log.error("Redis for the shared counters does not answer: %s", exc)
        raise Unavailable(
            _("The server cannot check this request at the moment; try again in a minute."),
            retry_after=RETRY_AFTER,
            code="counters_unavailable",
        ) from None


PREFIX = "xuncha:counter:"
# The grace after a window in which a key is kept, so that a wait it started still holds
# (the longest lockout, from the settings).
KEEP_AFTER_WINDOW = 24 * 3600

_HIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = tonumber(redis.call('HGET', KEYS[1], 'start'))
if (not start) or start + window <= now then
  redis.call('HSET', KEYS[1], 'start', ARGV[1], 'count', 0)
end
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'last', ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(window) + tonumber(ARGV[3]))
return count
"""


class RedisCounters:
    def __init__(self, url: str, keep_after: float = KEEP_AFTER_WINDOW) -> None:
        self.redis = Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        self.keep_after = int(keep_after)
        self._hit = self.redis.register_script(_HIT)

    async def hit(self, key: str, window_seconds: float, now: float) -> int:
        return (await self.hit_many([(key, window_seconds)], now))[0]

    async def hit_many(self, hits: list[tuple[str, float]], now: float) -> list[int]:
        with answering():
            return await self._hit_many(hits, now)

    async def _hit_many(self, hits: list[tuple[str, float]], now: float) -> list[int]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, window in hits:
                await self._hit(
                    keys=[PREFIX + key], args=[repr(now), repr(window), self.keep_after], client=pipe
                )
            return [int(count) for count in await pipe.execute()]

    async def get(self, keys: list[str]) -> dict[str, Tally]:
        with answering():
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hmget(PREFIX + key, "count", "last")
                answers = await pipe.execute()
        return {
            key: Tally(int(count), float(last))
            for key, (count, last) in zip(keys, answers, strict=True)
            if count is not None and last is not None
        }

    async def forget(self, key: str) -> None:
        with answering():
            await self.redis.delete(PREFIX + key)

    async def purge(self, now: float, grace_seconds: float) -> int:
        return 0  # keys expire by themselves

    async def close(self) -> None:
        await self.redis.aclose()
