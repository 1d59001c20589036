"""The embedded database's batch writer (Database.write_batch): what it commits, what it refuses,
and that an acknowledged write is synced to the disk.

These run on a SQLite file of their own in both suites: the writer's thread and the sync setting
are SQLite's; on PostgreSQL write_batch is the ordinary transaction that the other tests use.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from conftest import make_settings
from server.db import Database
from server.models import utcnow

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


@pytest.fixture
async def db(tmp_path: Path, sqlite_template: Path) -> Any:
    target = tmp_path / "data" / "xuncha.db"
    target.parent.mkdir(parents=True)
    shutil.copy(sqlite_template, target)
    database = Database(make_settings(tmp_path / "data", f"sqlite+aiosqlite:///{target}"))
    yield database
    await database.dispose()


async def lease(session: Any, name: str) -> None:
    await session.execute(
        text("INSERT INTO task_leases (name, held_by, lease_until) VALUES (:name, 'test', :until)"),
        {"name": name, "until": (utcnow() + timedelta(minutes=1)).replace(tzinfo=None)},
    )


async def leases(db: Database) -> list[str]:
    async with db.read() as session:
        return list((await session.scalars(text("SELECT name FROM task_leases ORDER BY name"))).all())


async def test_every_connection_syncs_each_commit(db: Database) -> None:
    """A 201 means the check is on the disk: the batch writer's connection and the pool's both
    run with synchronous=FULL, which in WAL mode syncs the log at every commit."""

    async def setting(session: Any) -> int:
        return session.dbapi.execute("PRAGMA synchronous").fetchone()[0]

    assert await db.write_batch(setting) == FULL
    async with db.read() as session:
        assert (await session.scalar(text("PRAGMA synchronous"))) == FULL
    async with db.write() as session:
        assert (await session.scalar(text("PRAGMA synchronous"))) == FULL


async def test_a_batch_is_written_off_the_event_loop_and_committed(db: Database) -> None:
    threads: list[str] = []

    async def work(session: Any) -> str:
        threads.append(threading.current_thread().name)
        await lease(session, "batch")
        return "done"

    assert await db.write_batch(work) == "done"
    assert threads and threads[0] != threading.current_thread().name
    assert await leases(db) == ["batch"]


async def test_a_failing_batch_leaves_nothing_behind(db: Database) -> None:
    async def work(session: Any) -> None:
        await lease(session, "half")
        raise ValueError("the second statement failed")

    with pytest.raises(ValueError, match="second statement"):
        await db.write_batch(work)
    assert await leases(db) == []


async def test_a_batch_that_waits_on_the_loop_is_refused_and_rolled_back(db: Database) -> None:
    """The thread runs the batch to its end in one step: a batch that awaits anything but its
    session cannot be finished there, so it is refused whole instead of hanging or half-done."""

    async def work(session: Any) -> None:
        await lease(session, "waiting")
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="awaited something other than its session"):
        await db.write_batch(work)
    assert await leases(db) == []


async def test_a_cancelled_batch_is_finished_before_the_next_one_starts(db: Database) -> None:
    """At shutdown the writer's task is cancelled while its thread may be mid-transaction: the
    lock is held until that transaction has committed, so the next writer never sees it half-done
    and never writes under it."""
    started, release = threading.Event(), threading.Event()
    order: list[str] = []

    async def slow(session: Any) -> None:
        await lease(session, "first")
        started.set()
        release.wait(10)
        order.append("first committed")

    async def second(session: Any) -> None:
        order.append("second began")
        await lease(session, "second")

    first_task = asyncio.create_task(db.write_batch(slow))
    assert await asyncio.to_thread(started.wait, 10)
    first_task.cancel()
    second_task = asyncio.create_task(db.write_batch(second))
    await asyncio.sleep(0.1)
    assert order == [], "the second batch ran while the first's transaction was open"
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await first_task
    await second_task
    assert order == ["first committed", "second began"]
    assert await leases(db) == ["first", "second"]
