"""Fixtures: a migrated database with the demo data, the app built from explicit settings.

By default every test gets its own copy of a migrated SQLite file. With
XUNCHA_TEST_DATABASE_URL=postgresql+asyncpg://... the same tests run against that
PostgreSQL database instead (put back to the demo data before each test); `make ci` does both.
Under pytest-xdist (`-n 2`) each worker has its own database beside that one (<name>_gw0, ...,
created when missing) and its own temporary folders. A database that cannot be reached is an
error, never a skip.
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

from server.db import upgrade
from server.demo.loader import load_demo
from server.settings import Settings
from tests.helpers_app import app_for

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


def worker_database_url(url: str, worker: str | None) -> str:
    """Each xdist worker (gw0, gw1, ...) gets a database of its own beside the configured one."""
    from sqlalchemy.engine import make_url

    if not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


# After the demo data is loaded once per worker, every table's rows are copied into the schema
# SEED and a statement trigger on each table notes in SEED.changed the tables a test writes to.
# Before each test only those tables are put back from their copies (with the foreign keys' and
# the notes' triggers off for the copy), and every sequence is set back: a test sees exactly the
# freshly loaded demo data, for a few milliseconds instead of emptying and reloading everything.
SEED = "xuncha_test_seed"

SNAPSHOT = f"""
CREATE SCHEMA {SEED};
CREATE UNLOGGED TABLE {SEED}.changed (name text PRIMARY KEY);
CREATE TABLE {SEED}.sequences AS
    SELECT format('%I.%I', schemaname, sequencename) AS name, last_value
    FROM pg_sequences WHERE schemaname = 'public';
CREATE FUNCTION {SEED}.note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {SEED}.changed VALUES (TG_TABLE_NAME) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('CREATE TABLE {SEED}.%I AS TABLE public.%I', t.tablename, t.tablename);
        EXECUTE format(
            'CREATE TRIGGER xuncha_test_note AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION {SEED}.note_change()', t.tablename);
    END LOOP;
END $$;
"""

RESTORE = f"""
DO $$
DECLARE t record;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR t IN SELECT name FROM {SEED}.changed LOOP
        EXECUTE format('DELETE FROM public.%I', t.name);
        EXECUTE format('INSERT INTO public.%I SELECT * FROM {SEED}.%I', t.name, t.name);
    END LOOP;
    DELETE FROM {SEED}.changed;
    PERFORM setval(name::regclass, coalesce(last_value, 1), last_value IS NOT NULL)
        FROM {SEED}.sequences;
END $$;
"""


def _sql(url: str, *statements: str) -> None:
    """Statements (each may hold several) on a plain asyncpg connection, outside any transaction:
    CREATE DATABASE runs there, and one round trip restores the seed."""
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")

    async def run() -> None:
        conn = await asyncpg.connect(parsed.render_as_string(hide_password=False))
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    try:
        asyncio.run(run())
    except OSError as exc:  # connection refused and friends
        raise RuntimeError(f"PostgreSQL at XUNCHA_TEST_DATABASE_URL is not reachable: {exc}") from exc


@pytest.fixture(scope="session")
def pg_migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This worker's database (created when missing), migrated, loaded with the demo data and
    snapshotted once; each test then starts from the snapshot (RESTORE)."""
    url = worker_database_url(PG_URL, os.environ.get("PYTEST_XDIST_WORKER"))
    create_database_if_missing(url)
    _sql(url, f"DROP SCHEMA IF EXISTS {SEED} CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(url)
    asyncio.run(load_demo(make_settings(tmp_path_factory.mktemp("seed"), url)))
    _sql(url, SNAPSHOT)
    return url


def _on_server(url: str, *, drop: bool, create: bool) -> None:
    """Drop and/or create (when missing) the database `url` names, from the server's maintenance
    database; one place that knows how."""
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    maintenance = parsed.set(drivername="postgresql", database="postgres")
    name = str(parsed.database).replace('"', '""')

    async def run() -> None:
        conn = await asyncpg.connect(maintenance.render_as_string(hide_password=False))
        try:
            if drop:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create and not await conn.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
            ):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        asyncio.run(run())
    except OSError as exc:  # connection refused and friends
        raise RuntimeError(f"PostgreSQL at XUNCHA_TEST_DATABASE_URL is not reachable: {exc}") from exc


def recreate_database(url: str) -> None:
    """An empty database of the URL's name, whatever an earlier run left under that name (a
    restore into it must find no schema of a previous one)."""
    _on_server(url, drop=True, create=True)


def drop_database(url: str) -> None:
    _on_server(url, drop=True, create=False)


def create_database_if_missing(url: str) -> None:
    _on_server(url, drop=False, create=True)


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if PG_URL:
        url: str = request.getfixturevalue("pg_migrated")
        _sql(url, RESTORE)
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "data" / "xuncha.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    # create_app(settings), its routes registered once per test process (tests/helpers_app.py).
    with app_for(settings) as app:
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


BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def reads_the_test_database(item: pytest.Item) -> bool:
    """Whether the test's outcome can depend on XUNCHA_TEST_DATABASE_URL: it uses the database_url
    fixture (settings, client and the rest build on it), or its module reads PG_URL itself."""
    module = getattr(item, "module", None)
    return (
        "database_url" in getattr(item, "fixturenames", ())
        or hasattr(module, "PG_URL")
        # Always run when asked for: make test-browser and test-faults may inherit the variable.
        or item.get_closest_marker("browser") is not None
        or item.get_closest_marker("faults") is not None
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test-browser` collects tests/browser only: a browser test elsewhere would never run.

    On PostgreSQL (`make test-postgres`) only the tests whose outcome can depend on the database
    run: the others (the photo pipeline, the docs, a server on its own SQLite file, ...) do the
    same thing as in the SQLite run of `make test` before it, which `make ci` always runs too."""
    astray = [
        item.nodeid
        for item in items
        if item.get_closest_marker("browser") and BROWSER_TESTS not in Path(item.path).resolve().parents
    ]
    if astray:
        raise pytest.UsageError(
            f"browser tests belong in tests/browser (make test-browser runs only those): {astray}"
        )
    if PG_URL:
        same = [item for item in items if not reads_the_test_database(item)]
        if same:
            config.hook.pytest_deselected(items=same)
            items[:] = [item for item in items if reads_the_test_database(item)]
