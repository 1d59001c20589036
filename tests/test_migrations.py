"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from conftest import PG_URL
from server.db import make_engine, upgrade
from server.models import Base
from tests.live import REPO


def _diff(database_url: str) -> list[object]:
    async def run() -> list[object]:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrated_schema_matches_the_models(tmp_path: Path, database_url: str):
    if not PG_URL:
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        upgrade(database_url)
    assert _diff(database_url) == []


def test_sqlite_is_configured_as_a_server(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    upgrade(url)

    async def pragmas() -> tuple[str, int, int]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
                fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
                timeout = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
                return mode, fks, timeout
        finally:
            await engine.dispose()

    mode, fks, timeout = asyncio.run(pragmas())
    assert mode == "wal"
    assert fks == 1
    assert timeout >= 5000


def test_db_upgrade_and_demo_from_the_command_line_are_idempotent(tmp_path: Path):
    env = {"XUNCHA_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "XUNCHA_SECRET_KEY": "x"}

    def xuncha(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "server.cli", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    assert "head" in xuncha("db", "upgrade")
    first = xuncha("demo")
    assert "rows added" in first
    assert xuncha("db", "upgrade")  # a second upgrade is a no-op, not an error
    assert "nothing changed" in xuncha("demo")
    assert (tmp_path / "data" / "xuncha.db").exists()
