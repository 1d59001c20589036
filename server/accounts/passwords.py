"""argon2id password hashes, computed off the event loop."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..settings import Settings


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )
        # Verified against when the username is unknown, so the answer takes as long
        # as for a real account and does not reveal which usernames exist.
        self._dummy = self._hasher.hash("not a password of anyone")

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def _verify() -> bool:
            try:
                return (
                    self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
                )
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(_verify)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


MIN_PASSWORD_LENGTH = 8


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 256:
        return "The password must have at most 256 characters."
    return None
