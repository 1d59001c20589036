"""The audit trail: a hash chain that `xuncha audit verify` checks end to end."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import text

from conftest import check_body, new_uuid, token_for
from server.audit.verify import verify
from server.db import Database
from tests.live import REPO


def _verify_cli(settings) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        XUNCHA_DATA_DIR=str(settings.data_dir),
        XUNCHA_DATABASE_URL=settings.database_url,
        XUNCHA_SECRET_KEY="x",
    )
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "audit", "verify"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )


async def _record_some(client) -> list[dict]:
    headers = await token_for(client, "officer")
    receipts = []
    for _ in range(3):
        response = await client.put(
            f"/api/v1/checks/{new_uuid()}",
            json=check_body(photos=[{"uuid": new_uuid(), "item": "san-01"}]),
            headers=headers,
        )
        assert response.status_code == 201
        receipts.append(response.json())
    return receipts


async def _execute(settings, sql: str, **params) -> None:
    db = Database(settings)
    try:
        async with db.write() as session:
            await session.execute(text(sql), params)
    finally:
        await db.dispose()


async def test_an_untouched_trail_verifies(client, settings):
    db = Database(settings)
    try:
        loaded = (await verify(db)).entries  # the demo's units, accounts, campaigns and sites
        await _record_some(client)
        report = await verify(db)
    finally:
        await db.dispose()
    assert report.intact
    assert loaded > 0
    assert report.entries == loaded + 9  # per check: the check, its finding, its declared photo
    result = _verify_cli(settings)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout


async def test_a_finding_changed_in_the_database_is_caught_at_its_entry(client, settings):
    receipts = await _record_some(client)
    finding_id = receipts[1]["findings"][0]["id"]
    db = Database(settings)
    async with db.read() as session:
        seq = await session.scalar(
            text("SELECT max(seq) FROM audit_entries WHERE object_type = 'finding' AND object_id = :id"),
            {"id": str(finding_id)},
        )
    await db.dispose()
    await _execute(settings, "UPDATE findings SET status = 'closed' WHERE id = :id", id=finding_id)
    result = _verify_cli(settings)
    assert result.returncode != 0
    assert f"entry {seq}" in result.stderr
    assert f"finding {finding_id}" in result.stderr and "status" in result.stderr


async def _head(settings) -> int:
    db = Database(settings)
    try:
        async with db.read() as session:
            return int(await session.scalar(text("SELECT seq FROM audit_head")) or 0)
    finally:
        await db.dispose()


async def test_an_edited_entry_breaks_the_chain_there(client, settings):
    seq = await _head(settings) + 4  # the second check's entry, after the demo's
    await _record_some(client)
    await _execute(
        settings, "UPDATE audit_entries SET data = replace(data, 'patrol', 'open') WHERE seq = :seq", seq=seq
    )
    result = _verify_cli(settings)
    assert result.returncode != 0
    assert f"entry {seq}" in result.stderr and "changed" in result.stderr


async def test_a_deleted_entry_is_missed(client, settings):
    seq = await _head(settings) + 5
    await _record_some(client)
    await _execute(settings, "DELETE FROM audit_entries WHERE seq = :seq", seq=seq)
    result = _verify_cli(settings)
    assert result.returncode != 0
    assert f"entry {seq}" in result.stderr and "missing" in result.stderr


async def test_records_made_before_they_were_audited_are_adopted_once(client, settings):
    from server.audit.adopt import adopt

    # As on a database from before this release: the sites' entries are not there.
    await _execute(settings, "DELETE FROM audit_entries")
    await _execute(settings, "UPDATE audit_head SET seq = 0, hash = :h", h="0" * 64)
    db = Database(settings)
    try:
        assert not (await verify(db)).intact
        adopted = await adopt(db)
        assert adopted["site"] > 0 and adopted["unit"] > 0 and adopted["user"] > 0
        report = await verify(db)
        assert report.intact, report.first_break
        assert await adopt(db) == {}
    finally:
        await db.dispose()


def test_entries_are_the_text_and_hash_earlier_versions_wrote():
    """A trail written before entries were encoded with msgspec must still verify: every entry's
    text and hash are the ones json.dumps made (floats in exponent form, control characters,
    non-ASCII text, enums and details included)."""
    import hashlib
    import json
    from datetime import UTC, datetime, timedelta, timezone

    from server.audit.chain import entry_data, entry_hash, state_of
    from server.models import CheckKind

    def old_canonical(payload):
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)

    when = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    rows = [
        {
            "uuid": "u",
            "lat": 32.6293,
            "lon": 110.7981,
            "accuracy_m": 0.0,
            "recorded_at": when,
            "covert": False,
        },
        {"uuid": '路口\u2028\x00\x1f"\\', "lat": 1e-05, "lon": -1.7976931348623157e308, "accuracy_m": 1e16},
        {
            "uuid": "u",
            "lat": float("nan"),
            "lon": float("inf"),
            "kind": CheckKind.patrol,
            "note": "\ud7ff\U0001f600",
        },
        {
            "uuid": "u",
            "lat": -0.0,
            "lon": 9999999999999998.0,
            "accuracy_m": 0.0001,
            "disclosed_at": datetime.now(UTC),
        },
    ]
    for row in rows:
        for details in ({}, {"from": "new", "to": 3, "why": "逾期"}):
            data = {"state": state_of("check", row)} | ({"details": details} if details else {})
            text = entry_data("check", row, details)
            assert text == old_canonical(data)
            for actor in (None, 7):
                fields = {"seq": 12, "at": when.isoformat(), "actor": actor, "action": "check.recorded"}
                body = old_canonical(fields | {"type": "check", "id": "41", "data": text})
                expected = hashlib.sha256(("f" * 64 + body).encode()).hexdigest()
                assert entry_hash(
                    "f" * 64, 12, when.isoformat(), actor, "check.recorded", "check", "41", text
                ) == (expected)
