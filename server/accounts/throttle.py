"""Slowing down password guessing without locking anyone out: by source, and by source and account.

A wrong password counts against the (source, username) pair and against the source.
After a few failures the pair waits, doubling up to a cap; after many (spread over
usernames) the whole source waits. The account itself is never locked: its owner,
from their own phone, is another source and logs in at once. Usernames that do not
exist count exactly like those that do, so the answers do not tell them apart.

The counters live in each server process (a guesser facing N workers gets N times the
tries, still a handful per minute) and are bounded in number, oldest forgotten first.
"""

from __future__ import annotations

import ipaddress
import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from litestar.types import Scope


@dataclass
class _Entry:
    failures: int = 0
    blocked_until: float = 0.0
    last: float = 0.0
    retry_at: float = 0.0


class Throttle:
    def __init__(
        self,
        limit: int,
        first_wait: int,
        max_wait: int,
        forget_after: float = 24 * 3600,
        max_entries: int = 100_000,
    ) -> None:
        self.limit = max(1, limit)
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.forget_after = forget_after
        self.max_entries = max_entries
        self._entries: OrderedDict[object, _Entry] = OrderedDict()

    def _get(self, key: object, now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and now - entry.last > self.forget_after and now >= entry.blocked_until:
            del self._entries[key]
            return None
        return entry

    def _touch(self, key: object, now: float) -> _Entry:
        entry = self._get(key, now)
        if entry is None:
            entry = self._entries[key] = _Entry(last=now)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        self._entries.move_to_end(key)
        return entry

    def wait(self, key: object, now: float) -> int:
        """Whole seconds until this key may try again; 0 if it may now."""
        entry = self._get(key, now)
        if entry is None or entry.blocked_until <= now:
            return 0
        return math.ceil(entry.blocked_until - now)

    def fail(self, key: object, now: float) -> int:
        """Count a failure; returns the wait it starts (0 while under the limit)."""
        entry = self._touch(key, now)
        entry.failures += 1
        entry.last = now
        over = entry.failures - self.limit
        if over < 0:
            return 0
        # Doubling waits, capped: a guesser is slowed to a crawl, nobody waits longer than the cap.
        wait = min(self.first_wait * 2 ** min(over, 30), self.max_wait)
        entry.blocked_until = now + wait
        return wait

    def retries_early(self, key: object, now: float, retry_after: float) -> bool:
        """Note that this key was told to retry after retry_after; True if it had been told so before and came back sooner."""
        entry = self._touch(key, now)
        early = now < entry.retry_at
        entry.retry_at = now + retry_after
        return early

    def forgive(self, key: object) -> None:
        self._entries.pop(key, None)


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
