"""Many phones sending at once: every check lands exactly once, and nobody sees an error."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import httpx
from sqlalchemy import func, select

from conftest import check_body, new_uuid, token_for
from server.db import Database
from server.models import Check, Finding
from tests.live import LiveServer


async def _count(settings, model) -> int:
    db = Database(settings)
    try:
        async with db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(model)))
    finally:
        await db.dispose()


async def test_twenty_concurrent_checks_in_process(client, settings):
    headers = await token_for(client, "officer")
    before = await _count(settings, Check)
    responses = await asyncio.gather(
        *(client.put(f"/api/v1/checks/{new_uuid()}", json=check_body(), headers=headers) for _ in range(20))
    )
    assert [r.status_code for r in responses] == [201] * 20
    assert await _count(settings, Check) == before + 20
    assert await _count(settings, Finding) >= 20
    ids = {f["id"] for r in responses for f in r.json()["findings"]}
    assert len(ids) == 20  # each check got its own finding, none shared or lost


async def test_the_same_check_sent_five_times_at_once_is_stored_once(client, settings):
    headers = await token_for(client, "officer")
    uuid, body = new_uuid(), check_body()
    before = await _count(settings, Check)
    responses = await asyncio.gather(
        *(client.put(f"/api/v1/checks/{uuid}", json=body, headers=headers) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({tuple(f["id"] for f in r.json()["findings"]) for r in responses}) == 1
    assert await _count(settings, Check) == before + 1


async def test_one_bad_photo_uuid_does_not_fail_the_checks_sent_with_it(client, settings):
    headers = await token_for(client, "officer")
    taken = new_uuid()
    first = await client.put(
        f"/api/v1/checks/{new_uuid()}", json=check_body(photos=[{"uuid": taken}]), headers=headers
    )
    assert first.status_code == 201
    before = await _count(settings, Check)
    bodies = [check_body() for _ in range(9)] + [check_body(photos=[{"uuid": taken}])]
    responses = await asyncio.gather(
        *(client.put(f"/api/v1/checks/{new_uuid()}", json=b, headers=headers) for b in bodies)
    )
    assert [r.status_code for r in responses] == [201] * 9 + [409]
    assert responses[-1].json()["error"] == "photo_uuid_taken"
    assert await _count(settings, Check) == before + 9


def test_twenty_clients_against_two_worker_processes_on_sqlite(tmp_path: Path):
    """Two server processes share one SQLite file: writers wait for the lock, none fails.

    The server here is always on SQLite, also when the suite runs against PostgreSQL."""
    with LiveServer(tmp_path / "data", workers=2) as server:

        async def run() -> list[int]:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                token = (
                    await http.post(
                        "/api/v1/auth/token", json={"username": "officer", "password": "xuncha-demo"}
                    )
                ).json()["token"]
                headers = {"Authorization": f"Bearer {token}"}

                async def one() -> int:
                    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=headers) as own:
                        return (await own.put(f"/api/v1/checks/{new_uuid()}", json=check_body())).status_code

                return await asyncio.gather(*(one() for _ in range(20)))

        statuses = asyncio.run(run())
        assert statuses == [201] * 20
    db = sqlite3.connect(tmp_path / "data" / "xuncha.db")
    try:
        assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == 20
        assert db.execute("SELECT count(*) FROM findings").fetchone()[0] == 20
        seqs = [row[0] for row in db.execute("SELECT seq FROM audit_entries ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))  # one unbroken chain across both processes
    finally:
        db.close()
