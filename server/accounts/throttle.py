"""Slowing down password guessing without locking anyone out: by source, and by source and account.

A wrong password counts against the (source, username) pair and against the source.
After a few failures the pair waits, doubling up to a cap; after many (spread over
usernames) the whole source waits. The account itself is never locked: its owner,
from their own phone, is another source and logs in at once. Usernames that do not
exist count exactly like those that do, so the answers do not tell them apart.

The counts are shared by every server process (server/counters: the database, or Redis),
so a guesser facing N workers gets the same few tries as facing one. A pair's or a
source's failures are forgotten a day after its first counted failure.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable

from litestar.types import Scope

from ..counters import Counters, Tally


class Throttle:
    def __init__(
        self,
        counters: Counters,
        name: str,
        limit: int,
        first_wait: int,
        max_wait: int,
        forget_after: float = 24 * 3600,
    ) -> None:
        self.counters = counters
        self.name = name
        self.limit = max(1, limit)
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.forget_after = forget_after

    def key(self, key: str) -> str:
        return f"{self.name}:{key}"

    def wait_for(self, count: int) -> int:
        """The wait that the count-th failure starts (0 while under the limit)."""
        over = count - self.limit
        if over < 0:
            return 0
        # Doubling waits, capped: a guesser is slowed to a crawl, nobody waits longer than the cap.
        return min(self.first_wait * 2 ** min(over, 30), self.max_wait)

    def remaining(self, tally: Tally | None, now: float) -> int:
        """Whole seconds left of the wait this tally's latest failure started."""
        wait = self.wait_for(tally.count) if tally is not None else 0
        if tally is None or wait == 0:
            # Under the limit nobody waits, even when a request that overlaps this one recorded
            # its failure a moment after this one's `now` was taken.
            return 0
        until = tally.last_at + wait
        return math.ceil(until - now) if until > now else 0

    async def wait(self, key: str, now: float) -> int:
        """Whole seconds until this key may try again; 0 if it may now."""
        full = self.key(key)
        return self.remaining((await self.counters.get([full])).get(full), now)

    async def fail(self, key: str, now: float) -> int:
        """Count a failure; returns the wait it starts (0 while under the limit)."""
        return self.wait_for(await self.counters.hit(self.key(key), self.forget_after, now))

    async def retries_early(self, key: str, now: float, retry_after: float) -> bool:
        """Note that this key was told to retry after retry_after; True if it had been told so before and came back sooner."""
        return await self.counters.hit(f"{self.name}-retry:{key}", retry_after, now) > 1

    async def forgive(self, key: str) -> None:
        await self.counters.forget(self.key(key))


async def fail_all(now: float, *failures: tuple[Throttle, str]) -> int:
    """Count a failure against each (throttle, key) sharing one store, at once; the longest wait started."""
    if not failures:
        return 0
    counts = await failures[0][0].counters.hit_many(
        [(throttle.key(key), throttle.forget_after) for throttle, key in failures], now
    )
    return max(throttle.wait_for(count) for (throttle, _k), count in zip(failures, counts, strict=True))


async def longest_wait(now: float, *checks: tuple[Throttle, str]) -> int:
    """The longest wait among (throttle, key) pairs sharing one store, read in one go."""
    if not checks:
        return 0
    keys = [throttle.key(key) for throttle, key in checks]
    tallies = await checks[0][0].counters.get(keys)
    return max(
        throttle.remaining(tallies.get(full), now) for (throttle, _k), full in zip(checks, keys, strict=True)
    )


class TrustedProxies:
    """The reverse proxies whose X-Forwarded-For is believed ("*": any peer)."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.any = False
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for raw in entries:
            entry = raw.strip()
            if entry == "*":
                self.any = True
            elif entry:
                self.networks.append(ipaddress.ip_network(entry, strict=False))

    def __bool__(self) -> bool:
        return self.any or bool(self.networks)

    def trusts(self, host: str) -> bool:
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def source_address(scope: Scope, proxies: TrustedProxies) -> str:
    """Who sent the request: the peer, or behind a trusted proxy the address the proxy saw.

    The rightmost X-Forwarded-For hop that is not a trusted proxy is the one a trusted
    proxy wrote; anything left of it is whatever the client claimed.
    """
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not proxies or not proxies.trusts(peer):
        return source_key(peer)
    hops: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops.extend(h.strip() for h in value.decode("latin-1").split(","))
    hops = [h for h in hops if h]
    for hop in reversed(hops):
        if not proxies.trusts(hop):
            return source_key(hop)
    return source_key(hops[0] if hops else peer)


def source_key(host: str) -> str:
    # One IPv6 client holds a whole /64; counting per address would let it rotate freely.
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
