"""Login throttling and rate limits hold across server processes: two apps on one database
(or one Redis, with XUNCHA_TEST_REDIS_URL) count the same failures, so more workers give a
guesser no more tries."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from conftest import DEMO_PASSWORD, PG_URL
from server.app import create_app
from server.counters import make_counters
from server.db import Database
from tests.live import LiveServer, free_port

EN = {"Accept-Language": "en"}
# Set by `make ci`'s PostgreSQL run (a Redis is an outside service, which `make test` needs none of).
REDIS_URL = os.environ.get("XUNCHA_TEST_REDIS_URL", "")


def worker(settings: Any) -> AsyncTestClient[Any]:
    """One more server process on the same database: an app of its own, sharing nothing in memory."""
    app = create_app(settings.with_(trusted_proxies=("*",)))
    return AsyncTestClient(app=app, base_url="http://testserver.local")


async def attempt(client: Any, username: str, password: str, source: str) -> Any:
    return await client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        headers=EN | {"X-Forwarded-For": source},
    )


@pytest.fixture(params=["database", "redis"] if REDIS_URL else ["database"])
def shared(request: pytest.FixtureRequest, settings: Any) -> Any:
    return settings if request.param == "database" else settings.with_(redis_url=REDIS_URL)


def unique_source() -> str:
    # An address no other test (nor an earlier run against the same Redis) has used.
    return f"2001:db8:{uuid.uuid4().int % 65536:x}:{uuid.uuid4().int % 65536:x}::1"


async def test_failures_split_between_two_workers_lock_as_on_one(shared: Any) -> None:
    limit = shared.login_max_failures
    source, phone = unique_source(), unique_source()
    async with worker(shared) as first, worker(shared) as second:
        statuses = []
        for n in range(limit + 1):
            client = first if n % 2 == 0 else second
            statuses.append((await attempt(client, "lead", "guess", source)).status_code)
        # The limit-th failure starts the wait, as it would on one worker, wherever it landed.
        assert statuses == [401] * (limit - 1) + [429, 429]
        # Both workers make the guesser wait, even with the right password...
        for client in (first, second):
            locked = await attempt(client, "lead", DEMO_PASSWORD, source)
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        # ...and the owner, from their own phone, logs in on either.
        assert (await attempt(second, "lead", DEMO_PASSWORD, phone)).status_code == 200


async def test_a_sprayer_is_counted_across_workers(shared: Any) -> None:
    settings = shared.with_(login_source_max_failures=6)
    sprayer = unique_source()
    async with worker(settings) as first, worker(settings) as second:
        statuses = []
        for n in range(7):
            client = (first, second)[n % 2]
            statuses.append((await attempt(client, f"user-{n}", "guess", sprayer)).status_code)
        assert statuses == [401] * 5 + [429] * 2


async def test_a_rating_link_is_limited_across_workers(shared: Any) -> None:
    settings = shared.with_(rating_requests_per_minute=4)
    async with worker(settings) as first, worker(settings) as second:
        # The test client's address is the same for both apps; only the database (or Redis) is shared.
        if settings.redis_url:
            counters = make_counters(settings, Database(settings))
            await counters.forget("rating:testclient")
            await counters.close()
        statuses = [
            (await (first, second)[n % 2].get("/rate/no-such-token", headers=EN)).status_code
            for n in range(5)
        ]
        assert statuses == [200] * 4 + [429]
        assert (await second.get("/rate/no-such-token", headers=EN)).status_code == 429


async def test_counters_start_a_new_window_and_old_ones_are_purged(shared: Any) -> None:
    db = Database(shared)
    counters = make_counters(shared, db)
    key = f"test:{uuid.uuid4()}"
    try:
        now = time.time()
        assert [await counters.hit(key, 60, now + n) for n in range(3)] == [1, 2, 3]
        assert (await counters.get([key]))[key].count == 3
        # A hit after the window lapsed starts again at one.
        assert await counters.hit(key, 60, now + 61) == 1
        if not shared.redis_url:  # Redis expires its keys by itself
            assert await counters.purge(now + 61 + 60 + 10, grace_seconds=5) >= 1
            assert await counters.get([key]) == {}
        await counters.forget(key)
        assert await counters.get([key]) == {}
    finally:
        await counters.close()
        await db.dispose()


def test_two_real_worker_processes_share_the_throttle(tmp_path: Path) -> None:
    """`xuncha serve --workers 2`: each try on a new connection, whichever worker takes it."""
    trusted = {"XUNCHA_TRUSTED_PROXIES": "127.0.0.1"}
    with LiveServer(tmp_path / "data", database_url=PG_URL, workers=2, extra_env=trusted) as server:
        source = unique_source()
        statuses = []
        for _ in range(6):
            with httpx.Client(base_url=server.url, timeout=30) as fresh:
                answer = fresh.post(
                    "/api/v1/auth/token",
                    json={"username": "lead", "password": "guess"},
                    headers=EN | {"X-Forwarded-For": source},
                )
                statuses.append(answer.status_code)
        assert statuses == [401] * 4 + [429, 429]


async def test_a_redis_that_does_not_answer_is_a_503_to_retry_not_a_500(settings: Any) -> None:
    down = settings.with_(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with worker(down) as client:
        answer = await attempt(client, "lead", DEMO_PASSWORD, unique_source())
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "30"
        assert (
            answer.json()["message"]
            == "The server cannot check this request at the moment; try again in a minute."
        )
        assert (await client.get("/rate/some-token", headers=EN)).status_code == 503
