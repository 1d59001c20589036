"""Periodic work that every server process starts, and that one of them runs per interval.

Each process runs a TaskRunner. When a task is due, the runner tries to claim the
task's lease row with a conditional UPDATE (`... WHERE lease_until <= now`): on SQLite
writes are serialised, on PostgreSQL the second UPDATE waits for the first and then
finds the condition false, so exactly one process wins. The lease lasts one interval,
which both spaces the runs and lets the lease lapse by itself when its holder dies.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db import Database
from ..models import TaskLease, utcnow
from .background import cancel_and_wait

log = logging.getLogger("xuncha.tasks")

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    every_seconds: float
    run: Callable[[], Awaitable[object]]


def holder_name() -> str:
    # Host and pid say who holds a lease when someone looks; the random part keeps two
    # runners in one process (as in tests) apart.
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


class TaskRunner:
    def __init__(self, db: Database, tasks: list[PeriodicTask], holder: str | None = None) -> None:
        self.db = db
        self.tasks = [task for task in tasks if task.every_seconds > 0]
        self.holder = holder or holder_name()
        self._loop_task: asyncio.Task[None] | None = None

    async def claim(self, task: PeriodicTask, now: datetime | None = None) -> bool:
        """Take the task's lease for one interval if it is free; True if this runner got it."""
        now = now or utcnow()
        insert = pg_insert if self.db.engine.dialect.name == "postgresql" else sqlite_insert
        async with self.db.write() as session:
            await session.execute(
                insert(TaskLease)
                .values(name=task.name, held_by="", lease_until=_NEVER)
                .on_conflict_do_nothing(index_elements=["name"])
            )
        async with self.db.write() as session:
            result = await session.execute(
                update(TaskLease)
                .where(TaskLease.name == task.name, TaskLease.lease_until <= now)
                .values(held_by=self.holder, lease_until=now + timedelta(seconds=task.every_seconds))
                .execution_options(synchronize_session=False)
            )
            return (result.rowcount or 0) == 1

    async def run_due(self, now: datetime | None = None) -> list[str]:
        """One pass: run every task whose lease this runner can claim. Returns their names."""
        ran = []
        for task in self.tasks:
            try:
                if not await self.claim(task, now):
                    continue
                ran.append(task.name)
                await task.run()
            except Exception:  # a failed run is retried next interval; the server keeps serving
                log.exception("periodic task %s failed", task.name)
        return ran

    def start(self) -> None:
        if self.tasks and self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._loop(), name="xuncha-tasks")

    async def stop(self) -> None:
        await cancel_and_wait([self._loop_task])
        self._loop_task = None

    async def _loop(self) -> None:
        # Look several times per shortest interval, so a task runs soon after its lease
        # lapses, whoever held it; workers started together spread out.
        poll = max(0.05, min(task.every_seconds for task in self.tasks) / 4)
        await asyncio.sleep(random.uniform(0, poll))
        while True:
            await self.run_due()
            await asyncio.sleep(poll * random.uniform(0.8, 1.2))
