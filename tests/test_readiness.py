"""GET /readyz: ready only when the database answers and is at this release's migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from conftest import make_settings
from server.app import create_app
from server.db import Database
from server.health.service import code_heads
from tests.live import free_port


async def test_a_migrated_database_is_ready(client: Any) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert body["database_revision"] == body["code_revision"] == list(code_heads())


async def test_a_database_at_an_older_revision_is_not_ready(settings: Any) -> None:
    db = Database(settings)
    (head,) = code_heads()
    try:
        async with db.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as client:
            response = await client.get("/readyz")
            assert response.status_code == 503
            body = response.json()
            assert body["ready"] is False
            assert body["database_revision"] == ["0001"] and body["code_revision"] == [head]
            assert "xuncha db upgrade" in body["reason"]
            # Alive all the same: /healthz is about the process, not the database.
            assert (await client.get("/healthz")).status_code == 200
    finally:
        async with db.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        await db.dispose()


async def test_a_database_that_was_never_migrated_is_not_ready(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert "no migrations" in response.json()["reason"]


async def test_an_unreachable_database_is_not_ready(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    settings = make_settings(tmp_path, url)
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert "not reachable" in response.json()["reason"]
        assert (await client.get("/healthz")).status_code == 200
