"""Periodic tasks: each runs once per interval across server processes, and a dead holder blocks no one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from server.app import create_app
from server.db import Database
from server.models import AuthToken, TaskLease, User, utcnow
from server.tasks import PeriodicTask, TaskRunner


class Counter:
    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> None:
        self.runs += 1


async def test_two_runners_on_one_database_run_a_task_once_per_interval(settings: Any) -> None:
    # Two processes' worth of runners: each its own connection pool, the same database.
    dbs = [Database(settings), Database(settings)]
    counter = Counter()
    task = PeriodicTask("count", 60, counter)
    first, second = (TaskRunner(db, [task]) for db in dbs)
    try:
        start = utcnow()
        ran = await asyncio.gather(first.run_due(start), second.run_due(start))
        assert counter.runs == 1 and sorted(map(len, ran)) == [0, 1]
        # Half an interval on, neither runs it again.
        half = start + timedelta(seconds=30)
        assert await first.run_due(half) == [] and await second.run_due(half) == []
        # A full interval on, exactly one of them runs it once more.
        later = start + timedelta(seconds=60)
        await asyncio.gather(second.run_due(later), first.run_due(later))
        assert counter.runs == 2
        async with dbs[0].read() as session:
            lease = await session.get(TaskLease, "count")
        assert lease is not None and lease.held_by in {first.holder, second.holder}
        assert lease.lease_until == later + timedelta(seconds=60)
    finally:
        for db in dbs:
            await db.dispose()


async def test_a_crashed_holders_lease_lapses_and_another_runner_takes_over(settings: Any) -> None:
    dbs = [Database(settings), Database(settings)]
    counter = Counter()
    task = PeriodicTask("count", 60, counter)
    crashed, survivor = TaskRunner(dbs[0], [task]), TaskRunner(dbs[1], [task])
    try:
        start = utcnow()
        # The holder takes the lease and dies before running the task.
        assert await crashed.claim(task, start)
        await dbs[0].dispose()
        assert await survivor.run_due(start + timedelta(seconds=59)) == []
        assert await survivor.run_due(start + timedelta(seconds=61)) == ["count"]
        assert counter.runs == 1
        async with dbs[1].read() as session:
            lease = await session.get(TaskLease, "count")
        assert lease is not None and lease.held_by == survivor.holder
    finally:
        for db in dbs:
            await db.dispose()


async def test_running_runners_share_the_work_instead_of_each_doing_it(settings: Any) -> None:
    dbs = [Database(settings) for _ in range(3)]
    counter = Counter()
    task = PeriodicTask("count", 0.4, counter)
    runners = [TaskRunner(db, [task]) for db in dbs]
    try:
        for runner in runners:
            runner.start()
        await asyncio.sleep(1.0)
    finally:
        for runner in runners:
            await runner.stop()
        for db in dbs:
            await db.dispose()
    # Three runners polling every 0.1 s would run it about thirty times without the lease;
    # with it, at most once per 0.4 s (three leases in 1.0 s, plus one started at the edge).
    assert 1 <= counter.runs <= 4


async def test_a_failing_task_does_not_stop_the_others(settings: Any) -> None:
    db = Database(settings)
    counter = Counter()

    async def broken() -> None:
        raise RuntimeError("the database went away")

    runner = TaskRunner(db, [PeriodicTask("broken", 60, broken), PeriodicTask("count", 60, counter)])
    try:
        assert await runner.run_due() == ["broken", "count"]
        assert counter.runs == 1
    finally:
        await db.dispose()


async def test_the_server_purges_expired_tokens_and_sessions_and_keeps_live_ones(settings: Any) -> None:
    app = create_app(settings)
    db = app.state.db
    now = utcnow()
    async with db.write() as session:
        officer = await session.scalar(select(User.id).where(User.username == "officer"))
        for n, (kind, expires) in enumerate(
            [
                ("session", now - timedelta(days=1)),
                ("bearer", now - timedelta(seconds=1)),
                ("session", now + timedelta(days=1)),
                ("bearer", now + timedelta(days=20)),
            ]
        ):
            session.add(AuthToken(token_hash=f"{n:064d}", kind=kind, user_id=officer, expires_at=expires))
    try:
        ran = await app.state.tasks.run_due()
        assert "purge-expired-tokens" in ran and "deadline-sweep" in ran
        async with db.read() as session:
            left = set((await session.scalars(select(AuthToken.token_hash))).all())
        assert left == {f"{2:064d}", f"{3:064d}"}
    finally:
        await db.dispose()
