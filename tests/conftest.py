"""Fixtures: a migrated database with the demo data, the app built from explicit settings.

By default every test gets its own copy of a migrated SQLite file. With
XUNCHA_TEST_DATABASE_URL=postgresql+asyncpg://... the same tests run against that
PostgreSQL database instead (emptied and reloaded before each test); `make ci` does both.
A database that cannot be reached is an error, never a skip.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.db import Database, upgrade
from server.demo.loader import load_demo
from server.settings import Settings

PG_URL = os.environ.get("XUNCHA_TEST_DATABASE_URL", "")
DEMO_PASSWORD = "xuncha-demo"


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "secret_key": "test-secret-key-not-for-production",
        "demo_password": DEMO_PASSWORD,
        # Cheap hashes keep hundreds of logins fast; production keeps argon2's defaults.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8 * 1024,
        # The tests run the photo queue themselves (tests/support.py derive_photos), so what a
        # test sees never depends on when a background worker got to a photo.
        "photo_workers": 0,
    }
    values.update(overrides)
    return Settings(**values).resolved()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once and loaded with the demo data; each test copies the file."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "xuncha.db"
    settings = make_settings(folder, f"sqlite+aiosqlite:///{path}")
    upgrade(settings.database_url)
    asyncio.run(load_demo(settings))
    return path


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except OSError as exc:  # connection refused and friends
        raise RuntimeError(f"PostgreSQL at XUNCHA_TEST_DATABASE_URL is not reachable: {exc}") from exc


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    _reset_postgres(PG_URL)
    upgrade(PG_URL)
    return PG_URL


async def _truncate_and_seed(settings: Settings) -> None:
    from sqlalchemy import text

    from server.models import Base

    db = Database(settings)
    try:
        async with db.write() as session:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "audit_head")
            await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            await session.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": "0" * 64})
        await load_demo(settings, db)
    finally:
        await db.dispose()


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if PG_URL:
        request.getfixturevalue("pg_migrated")
        return PG_URL
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "data" / "xuncha.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def settings(tmp_path: Path, database_url: str) -> Settings:
    settings = make_settings(tmp_path / "data", database_url)
    if PG_URL:
        await _truncate_and_seed(settings)
    return settings


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as c:
        yield c


CSRF_RE = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def token_for(
    client: AsyncTestClient[Any], username: str, password: str = DEMO_PASSWORD
) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def login(client: AsyncTestClient[Any], username: str, password: str = DEMO_PASSWORD) -> str:
    """Log in through the form like a browser; returns the session's CSRF token."""
    page = await client.get("/login")
    # The test client follows redirects by default; the 303 itself is what a browser gets.
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = await client.get(response.headers["location"])
    return csrf_from(home.text)


def check_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "campaign": "sanitation",
        "kind": "patrol",
        "recorded_at": recent_time(),
        "location": {"lat": 32.6293, "lon": 110.7981, "accuracy_m": 8.0, "source": "gps"},
        "site": None,
        "target_unit": None,
        "answers": [
            {"item": "san-01", "result": "fail", "severity": "major", "note": "bins overflowing"},
            {"item": "san-02", "result": "pass"},
        ],
        "note": "",
        "photos": [],
    }
    body.update(overrides)
    return body


def recent_time(minutes_ago: int = 60) -> str:
    """A capture time in the bureau's offset, as a phone there would send it."""
    from datetime import UTC, datetime, timedelta, timezone

    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return moment.astimezone(timezone(timedelta(hours=8))).replace(microsecond=0).isoformat()


def new_uuid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server for the test session, on a free port."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )


def in_a_new_bucket(settings: Settings, endpoint: str) -> Settings:
    """The settings with the S3 photo store, in a new empty bucket on the local server."""
    bucket = f"photos-{new_uuid()[:8]}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    return settings.with_(
        photo_store="s3",
        s3_endpoint_url=endpoint,
        s3_bucket=bucket,
        s3_access_key="test-key",
        s3_secret_key="test-secret",
        s3_region="us-east-1",
    )
