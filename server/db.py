"""Engines, sessions and migrations, one code path for SQLite and PostgreSQL.

SQLite is configured for a server: WAL so readers never wait for the writer, every commit
synced to the disk (synchronous=FULL: an acknowledged check survives a power cut), foreign
keys on, a busy timeout, and write transactions that take the write lock up front
(BEGIN IMMEDIATE) so that two writers queue instead of one failing with "database is
locked" halfway through. Within one process, writers also queue on an asyncio lock, so
they wait in the event loop rather than in SQLite's sleeping busy handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from .settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_WRITE = "xuncha_write"
T = TypeVar("T")


def make_engine(database_url: str, *, echo: bool = False, foreign_keys: bool = True) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Every session ends its own transaction, so the pool's extra rollback on return
        # would only cost a round trip to the driver's thread.
        engine = create_async_engine(
            url, echo=echo, pool_size=8, max_overflow=8, pool_pre_ping=False, pool_reset_on_return=None
        )
        _configure_sqlite(engine, foreign_keys)
        return engine
    # Twenty connections a process at most, as before, but all of them kept once opened: with
    # ten of them overflow, a rush opened and closed connections all the time, each a new login
    # to the server (about 2% of a worker's CPU in the morning-rush benchmark).
    return create_async_engine(url, echo=echo, pool_size=20, max_overflow=0, pool_pre_ping=True)


def _configure_sqlite(engine: AsyncEngine | Engine, foreign_keys: bool = True, busy_ms: int = 15000) -> None:
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver, so BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """The app's handle on the database: short read and write transactions."""

    def __init__(self, settings: Settings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.sqlite = self.engine.dialect.name == "sqlite"
        self._read = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        write_engine = self.engine.execution_options(**{_WRITE: True}) if self.sqlite else self.engine
        self._write = async_sessionmaker(write_engine, expire_on_commit=False, autoflush=False)
        self._write_lock = asyncio.Lock() if self.sqlite else None
        self._writer_engine: Engine | None = None
        self._writer: ThreadPoolExecutor | None = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits on success and rolls back on any exception."""
        if self._write_lock is None:
            async with self._write() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._write() as session, session.begin():
            yield session

    async def write_batch(self, work: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
        """`await work(session)` in a write transaction like `write()`'s, committed after it.

        On a SQLite file the transaction runs on a connection of its own, in the writer's own
        thread, in one trip: its statements and the commit, with the commit's wait for the disk,
        are done while the event loop goes on reading the next requests (sqlite3 lets go of the
        GIL while SQLite works). Through aiosqlite every statement would be several trips to the
        driver's thread, each waiting on a busy machine to be scheduled. The write lock is taken
        in the loop first (BEGIN IMMEDIATE): a lock held by another process is waited for there,
        not in SQLite's busy handler. `work` may await only the session's calls (execute, scalar,
        scalars, flush, bind; `dbapi` is the sqlite3 connection, for statements sent directly):
        on this path they never wait for the loop.
        """
        if self._write_lock is None or self.engine.url.database in (None, "", ":memory:"):
            async with self.write() as session:
                return await work(session)
        async with self._write_lock:
            session = await self._writer_session()
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="xuncha-sqlite-writer")
            done = asyncio.get_running_loop().run_in_executor(self._writer, _committed, session, work)
            try:
                return await asyncio.shield(done)
            except asyncio.CancelledError:
                # The transaction is the thread's to finish: keep the lock until it has.
                await asyncio.wait([done])
                raise

    async def _writer_session(self) -> Session:
        if self._writer_engine is None:
            url = self.engine.url.set(drivername="sqlite")
            engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
            _configure_sqlite(engine, busy_ms=0)
            self._writer_engine = engine.execution_options(**{_WRITE: True})
        waited = 0.0
        while True:
            session = Session(self._writer_engine, expire_on_commit=False, autoflush=False)
            try:
                session.connection()  # BEGIN IMMEDIATE: the write lock, or "database is locked" at once
                return session
            except OperationalError as exc:
                session.close()
                if "locked" not in str(exc) or waited >= _BUSY_WAIT:
                    raise
            await asyncio.sleep(0.002)
            waited += 0.002

    async def dispose(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        if self._writer_engine is not None:
            self._writer_engine.dispose()
        await self.engine.dispose()

    async def __aenter__(self) -> Database:
        """`async with Database(settings) as db:` for a command that opens, uses and closes it."""
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.dispose()


_BUSY_WAIT = 15.0  # seconds, as the busy_timeout of the other connections


def _committed(session: Session, work: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """Runs `work` on the session to its end (its awaits never suspend) and commits; rolls back
    on any exception. In the writer's thread."""
    try:
        coroutine = work(_ThreadSession(session))
        try:
            coroutine.send(None)
        except StopIteration as finished:
            result: T = finished.value
        else:
            coroutine.close()
            raise RuntimeError("a batch write awaited something other than its session")
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class _ThreadSession:
    """A synchronous session behind the awaitable calls of an AsyncSession. `dbapi` is the sqlite3
    connection of its transaction, for the statements the writers send directly
    (server/sqlite_direct.py); the async sessions of `write()` have none."""

    def __init__(self, session: Session) -> None:
        self.sync_session = session
        self.bind = session.get_bind()
        self.dbapi = session.connection().connection.driver_connection

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalar(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalars(*args, **kwargs)

    async def flush(self) -> None:
        self.sync_session.flush()


def alembic_config(database_url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations (synchronous: called from the CLI and from test set-up)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)
