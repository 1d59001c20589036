"""argon2id password hashes, computed off the event loop, a few at a time.

Each check takes argon2's memory (64 MB in production) and a core for a while. Without
a limit, a crowd of wrong passwords took every core and gigabytes; so at most
`password_checks` run at once, on threads of their own, and a check that finds them
all busy is refused at once (the caller answers 429) rather than queued.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import AppError
from ..i18n import gettext as _
from ..settings import Settings
from ..tasks.background import lower_thread_priority

BUSY_RETRY_AFTER = 1  # seconds


class PasswordChecksBusy(AppError):
    status_code = 429
    code = "busy"


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )
        self.capacity = max(1, settings.password_checks)
        self._busy = 0
        # Threads of their own, at a lower scheduling priority: when the cores are contended,
        # answering requests comes before checking passwords.
        self._threads = ThreadPoolExecutor(
            max_workers=self.capacity, thread_name_prefix="password-check", initializer=lower_thread_priority
        )
        # Verified against when the username is unknown, so the answer takes as long
        # as for a real account and does not reveal which usernames exist.
        started = time.perf_counter()
        self._dummy = self._hasher.hash("not a password of anyone")
        # How long a check takes here, kept up to date; refusals that need no check wait
        # this long, so their timing does not tell them from a wrong password either.
        self.typical_seconds = time.perf_counter() - started

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash(self, password: str) -> str:
        # Setting a password is for people already logged in: it waits its turn.
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password (the dummy hash when there is no account); PasswordChecksBusy if saturated."""
        if self._busy >= self.capacity:
            raise PasswordChecksBusy(
                _("The server is busy checking passwords. Try again in a moment."),
                headers={"Retry-After": str(BUSY_RETRY_AFTER)},
            )

        def _verify() -> bool:
            started = time.perf_counter()
            try:
                return (
                    self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
                )
            except (VerificationError, InvalidHashError):
                return False
            finally:
                self.typical_seconds = 0.8 * self.typical_seconds + 0.2 * (time.perf_counter() - started)

        # Counted on the event loop's thread, so no lock is needed around the counter.
        self._busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, _verify)
        finally:
            self._busy -= 1

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


MIN_PASSWORD_LENGTH = 8


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 256:
        return "The password must have at most 256 characters."
    return None
