"""Logging in, tokens and sessions, and the slow-down after wrong passwords."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from ..db import Database
from ..models import AuthToken, User, utcnow
from ..settings import Settings
from .passwords import Passwords

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
    def __init__(self, db: Database, settings: Settings, passwords: Passwords) -> None:
        self.db = db
        self.settings = settings
        self.passwords = passwords
        self._cache: dict[str, tuple[float, Authenticated, datetime]] = {}

    async def login(self, username: str, password: str) -> LoginResult:
        """Check a password; after repeated failures the account waits, for a while only."""
        username = username.strip().lower()
        async with self.db.read() as session:
            user = await session.scalar(select(User).where(User.username == username))
        now = utcnow()
        if user is not None and user.locked_until is not None and user.locked_until > now:
            return LoginResult(None, locked_for=int((user.locked_until - now).total_seconds()) + 1)
        ok = await self.passwords.verify(user.password_hash if user else None, password)
        if user is None or not user.active:
            return LoginResult(None)
        if ok and user.must_change_password and user.password_expires_at and user.password_expires_at <= now:
            return LoginResult(None)  # a one-time password not used in time is worthless
        async with self.db.write() as session:
            fresh = await session.scalar(select(User).where(User.id == user.id).with_for_update(of=User))
            assert fresh is not None
            if ok:
                fresh.failed_logins = 0
                fresh.locked_until = None
                fresh.last_login_at = now
                if self.passwords.needs_rehash(fresh.password_hash):
                    fresh.password_hash = await self.passwords.hash(password)
                return LoginResult(fresh)
            fresh.failed_logins += 1
            over = fresh.failed_logins - self.settings.login_max_failures
            if over >= 0:
                # Doubling waits, capped: a guesser is slowed to a crawl, the owner is
                # never locked out for longer than the cap.
                wait = min(
                    self.settings.login_lockout_seconds * (2**over), self.settings.login_lockout_max_seconds
                )
                fresh.locked_until = now + timedelta(seconds=wait)
                return LoginResult(None, locked_for=wait)
            return LoginResult(None)

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
        for digest in [d for d, cached in self._cache.items() if cached[1].user.id == user_id]:
            self._cache.pop(digest, None)

    async def revoke(self, raw: str) -> None:
        self._cache.pop(token_hash(raw), None)
        async with self.db.write() as session:
            await session.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash(raw)))

    async def purge_expired(self) -> int:
        async with self.db.write() as session:
            result = await session.execute(delete(AuthToken).where(AuthToken.expires_at <= utcnow()))
            return result.rowcount or 0
