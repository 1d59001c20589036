"""Logging in, tokens and sessions (issued, resolved, revoked), and the slow-down after wrong passwords."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from litestar.types import Scope
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from ..counters import Counters, make_counters
from ..db import Database
from ..models import AuthToken, User, utcnow
from ..settings import Settings
from .passwords import BUSY_RETRY_AFTER, PasswordChecksBusy, Passwords
from .throttle import Throttle, TrustedProxies, fail_all, longest_wait, source_address

# last_seen is refreshed at most this often, so most requests only read.
_TOUCH_EVERY = timedelta(minutes=10)
# A resolved token is trusted for this long without asking the database again. A token
# revoked in another worker process stays usable for at most this long; in this process
# revocation takes effect at once.
_CACHE_SECONDS = 30.0
_CACHE_MAX = 10_000


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked_for: int = 0  # seconds until another try is accepted


@dataclass(frozen=True)
class Authenticated:
    user: User
    token_id: int
    kind: str


class AccountService:
    def __init__(
        self, db: Database, settings: Settings, passwords: Passwords, counters: Counters | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.passwords = passwords
        self._cache: dict[str, tuple[float, Authenticated, datetime]] = {}
        counters = counters or make_counters(settings, db)
        lockout = (settings.login_lockout_seconds, settings.login_lockout_max_seconds)
        self.by_pair = Throttle(counters, "login-pair", settings.login_max_failures, *lockout)
        self.by_source = Throttle(counters, "login-source", settings.login_source_max_failures, *lockout)
        self.proxies = TrustedProxies(settings.trusted_proxies)

    def source_of(self, scope: Scope) -> str:
        return source_address(scope, self.proxies)

    async def login(self, username: str, password: str, source: str = "unknown") -> LoginResult:
        """Check a password, unless this source (for this username) must wait first.

        Unknown usernames, retired accounts and wrong passwords take the same path and
        the same argon2 work, and all count alike, so no answer tells them apart.
        Raises PasswordChecksBusy when every password check is taken.
        """
        username = username.strip().lower()[:80]
        now = utcnow()
        moment = now.timestamp()
        pair = f"{source}|{username}"
        wait = await longest_wait(moment, (self.by_source, source), (self.by_pair, pair))
        if wait:
            # As long as a password check: a waiting source learns nothing from the timing,
            # and a client that ignores Retry-After is slowed, at no cost to the server.
            await asyncio.sleep(self.passwords.typical_seconds)
            return LoginResult(None, locked_for=wait)
        async with self.db.read() as session:
            user = await session.scalar(select(User).where(User.username == username))
        try:
            ok = await self.passwords.verify(user.password_hash if user else None, password)
        except PasswordChecksBusy as busy:
            # The answer is at once, with Retry-After. A source that comes back sooner,
            # again and again, spends its allowance as if it had guessed wrong, and its
            # answer is held for the time it was asked to wait (a sleeping request costs
            # nothing), so ignoring Retry-After does not buy more tries.
            if await self.by_source.retries_early(source, moment, BUSY_RETRY_AFTER):
                await self.by_source.fail(source, moment)
                await asyncio.sleep(BUSY_RETRY_AFTER)
            raise busy
        if user is None or not user.active or not ok:
            moment = utcnow().timestamp()
            wait = await fail_all(moment, (self.by_pair, pair), (self.by_source, source))
            return LoginResult(None, locked_for=wait)
        if user.must_change_password and user.password_expires_at and user.password_expires_at <= now:
            return LoginResult(None)  # a one-time password not used in time is worthless
        await self.by_pair.forgive(pair)
        async with self.db.write() as session:
            fresh = await session.scalar(select(User).where(User.id == user.id).with_for_update(of=User))
            assert fresh is not None
            fresh.last_login_at = now
            if self.passwords.needs_rehash(fresh.password_hash):
                fresh.password_hash = await self.passwords.hash(password)
            return LoginResult(fresh)

    async def issue(self, user: User, kind: str, user_agent: str = "") -> tuple[str, datetime]:
        raw = secrets.token_urlsafe(32)
        hours = self.settings.session_ttl_hours if kind == "session" else self.settings.token_ttl_hours
        expires = utcnow() + timedelta(hours=hours)
        async with self.db.write() as session:
            session.add(
                AuthToken(
                    token_hash=token_hash(raw),
                    kind=kind,
                    user_id=user.id,
                    expires_at=expires,
                    user_agent=user_agent[:200],
                )
            )
        return raw, expires

    async def resolve(self, raw: str, kind: str) -> Authenticated | None:
        if not raw or len(raw) > 100:
            return None
        digest = token_hash(raw)
        cached = self._cache.get(digest)
        now_mono = time.monotonic()
        if cached is not None and now_mono - cached[0] < _CACHE_SECONDS and cached[1].kind == kind:
            if cached[2] > utcnow():
                return cached[1]
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(AuthToken, User)
                    .join(User, User.id == AuthToken.user_id)
                    .options(joinedload(User.unit))
                    .where(AuthToken.token_hash == digest, AuthToken.kind == kind)
                )
            ).first()
        if row is None:
            return None
        token, user = row
        now = utcnow()
        if token.expires_at <= now or not user.active:
            return None
        if now - token.last_seen_at > _TOUCH_EVERY:
            await self._touch(token.id, kind, now)
        found = Authenticated(user=user, token_id=token.id, kind=kind)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[digest] = (now_mono, found, token.expires_at)
        return found

    async def _touch(self, token_id: int, kind: str, now: datetime) -> None:
        values: dict[str, datetime] = {"last_seen_at": now}
        if kind == "session":  # sessions slide; bearer tokens keep their fixed end
            values["expires_at"] = now + timedelta(hours=self.settings.session_ttl_hours)
        async with self.db.write() as session:
            await session.execute(update(AuthToken).where(AuthToken.id == token_id).values(**values))

    def forget_user(self, user_id: int) -> None:
        """Drop this process's cached sessions of an account the office just changed or retired."""
        self._forget(lambda found: found.user.id == user_id)

    def _forget(self, match: Callable[[Authenticated], bool]) -> None:
        for digest in [d for d, (_t, found, _e) in self._cache.items() if match(found)]:
            self._cache.pop(digest, None)

    async def revoke(self, raw: str) -> None:
        self._cache.pop(token_hash(raw), None)
        async with self.db.write() as session:
            await session.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash(raw)))

    async def revoke_token(self, token_id: int) -> None:
        """End one session or bearer token, the one a request came with."""
        self._forget(lambda found: found.token_id == token_id)
        async with self.db.write() as session:
            await session.execute(delete(AuthToken).where(AuthToken.id == token_id))

    async def revoke_all(self, user_id: int) -> int:
        """End every session and bearer token of an account (lost phone, new password, retirement).

        Takes effect at once in this process; other server processes trust a token they
        resolved for at most _CACHE_SECONDS more.
        """
        self._forget(lambda found: found.user.id == user_id)
        async with self.db.write() as session:
            result = await session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))
            return result.rowcount or 0

    async def set_password(self, user_id: int, password: str) -> int:
        """A new password ends every session and token of the account; returns how many."""
        password_hash = await self.passwords.hash(password)
        async with self.db.write() as session:
            await session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))
        return await self.revoke_all(user_id)

    async def disable(self, user_id: int) -> int:
        """The account can no longer log in, and what was logged in is logged out."""
        async with self.db.write() as session:
            await session.execute(update(User).where(User.id == user_id).values(active=False))
        return await self.revoke_all(user_id)

    async def user_id(self, username: str) -> int | None:
        async with self.db.read() as session:
            return await session.scalar(select(User.id).where(User.username == username.strip().lower()))

    async def purge_expired(self) -> int:
        async with self.db.write() as session:
            result = await session.execute(delete(AuthToken).where(AuthToken.expires_at <= utcnow()))
            return result.rowcount or 0
