"""Deadlines and their escalation, likely duplicates and merging, and the audit trail of it all."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from server.db import Database
from server.findings.workflow import Workflow
from tests.helpers_app import app_for
from tests.helpers_findings import (
    HERE,
    assign,
    auth,
    counts,
    covert_finding,
    db_rows,
    db_scalar,
    finding_in,
    fixture_photo,
    future,
    get_finding,
    merge,
    new_finding,
    offset,
    plain_jpeg,
    record_check,
    rectify,
    update_finding,
    verify,
)
from tests.live import REPO


@pytest.fixture
async def client(settings):
    # No background sweep: each test sweeps when and with the clock it wants.
    with app_for(replace(settings, deadline_sweep_seconds=0)) as app:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
            yield test_client


@pytest.fixture
async def db(settings):
    """The test's own handle on the app's database."""
    database = Database(settings)
    yield database
    await database.dispose()


@pytest.fixture
def workflow(db, settings) -> Workflow:
    """The app's workflow on the test's own connection pool (the app's belongs to another loop)."""
    return Workflow(db, settings)


def days_from_now(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def notifications(db, finding_id: int) -> list[tuple[str, str]]:
    """The escalations' notifications of a finding (a submitted report notifies the lead too)."""
    rows = await db_rows(
        db,
        "SELECT u.username, n.kind FROM notifications n JOIN users u ON u.id = n.user_id "
        "WHERE n.finding_id = :id AND n.kind = 'overdue' ORDER BY n.id",
        id=finding_id,
    )
    return [(r[0], r[1]) for r in rows]


async def escalations(client, finding_id: int) -> list[dict]:
    return [e for e in (await get_finding(client, finding_id))["history"] if e["action"] == "escalated"]


# --- deadlines -----------------------------------------------------------------------------


async def test_the_sweep_escalates_each_overdue_finding_once_to_its_lead(client, db, workflow):
    late_san = await finding_in(client, "assigned")  # deadline in 7 days
    late_rework = await finding_in(client, "rework")  # new deadline in 3 days
    late_muck = await new_finding(client, campaign="muck")
    await assign(client, late_muck, "lead-muck", unit="muck-office", deadline=future(2))
    not_yet = await new_finding(client)
    await assign(client, not_yet, deadline=future(20))
    submitted = await finding_in(client, "submitted")  # waits for the lead, not the unit
    closed = await finding_in(client, "closed")
    new = await finding_in(client, "new")

    assert await workflow.sweep_deadlines(now=days_from_now(1)) == []
    escalated = await workflow.sweep_deadlines(now=days_from_now(10))
    assert sorted(escalated) == sorted([late_san, late_rework, late_muck])
    assert await notifications(db, late_san) == [("lead", "overdue")]
    assert await notifications(db, late_rework) == [("lead", "overdue")]
    assert await notifications(db, late_muck) == [("lead-muck", "overdue")]
    for finding_id in (not_yet, submitted, closed, new):
        assert await notifications(db, finding_id) == []
        assert await escalations(client, finding_id) == []
    for finding_id, status in ((late_san, "assigned"), (late_rework, "rework"), (late_muck, "assigned")):
        finding = await get_finding(client, finding_id)
        assert finding["status"] == status  # escalation tells the lead; it does not move the finding
        (event,) = await escalations(client, finding_id)
        assert event["by"] is None and (event["from"], event["to"]) == (status, status)
        assert datetime.fromisoformat(event["deadline"]) == datetime.fromisoformat(finding["deadline"])
        assert (
            await db_scalar(db, "SELECT escalated_at FROM findings WHERE id = :id", id=finding_id) is not None
        )

    # A second sweep, later still, escalates nothing more.
    stored = await counts(db)
    assert await workflow.sweep_deadlines(now=days_from_now(11)) == []
    assert await counts(db) == stored


async def test_concurrent_sweeps_escalate_each_finding_once(client, db, settings, workflow):
    overdue = [await finding_in(client, "assigned") for _ in range(4)]
    later = days_from_now(8)
    # Two sweeps in one process, then two "workers" with their own connection pools.
    first = await asyncio.gather(workflow.sweep_deadlines(now=later), workflow.sweep_deadlines(now=later))
    assert sorted(first[0] + first[1]) == sorted(overdue)
    more = [await finding_in(client, "assigned") for _ in range(3)]
    other_db = Database(settings)
    try:
        other = Workflow(other_db, settings)
        second = await asyncio.gather(
            workflow.sweep_deadlines(now=later),
            other.sweep_deadlines(now=later),
            other.sweep_deadlines(now=later),
        )
    finally:
        await other_db.dispose()
    assert sorted(second[0] + second[1] + second[2]) == sorted(more)
    for finding_id in overdue + more:
        assert await notifications(db, finding_id) == [("lead", "overdue")]
        assert len(await escalations(client, finding_id)) == 1


async def test_a_rework_with_a_new_deadline_can_be_escalated_again(client, db, workflow):
    finding_id = await finding_in(client, "assigned")
    assert await workflow.sweep_deadlines(now=days_from_now(8)) == [finding_id]
    await rectify(client, finding_id)
    await verify(client, finding_id, "rework", deadline=future(20))
    assert await workflow.sweep_deadlines(now=days_from_now(15)) == []  # the new deadline has not passed
    assert await workflow.sweep_deadlines(now=days_from_now(21)) == [finding_id]
    assert await workflow.sweep_deadlines(now=days_from_now(22)) == []
    assert await notifications(db, finding_id) == [("lead", "overdue"), ("lead", "overdue")]
    history = (await get_finding(client, finding_id))["history"]
    assert [e["action"] for e in history] == ["assigned", "escalated", "submitted", "rework", "escalated"]


async def test_overdue_lists_exactly_the_findings_past_their_deadline(client, db):
    past = datetime.now(UTC) - timedelta(hours=2)
    overdue_assigned = await finding_in(client, "assigned")
    overdue_rework = await finding_in(client, "rework")
    submitted_late = await finding_in(client, "submitted")
    closed_late = await finding_in(client, "closed")
    in_time = await finding_in(client, "assigned")
    due_soon = await finding_in(client, "assigned")
    await finding_in(client, "new")
    for finding_id in (overdue_assigned, overdue_rework, submitted_late, closed_late):
        await update_finding(db, finding_id, deadline=past)
    await update_finding(db, due_soon, deadline=datetime.now(UTC) + timedelta(hours=5))

    for user, expected in {
        "office": [overdue_rework, overdue_assigned],
        "lead": [overdue_rework, overdue_assigned],
        "handler": [overdue_rework, overdue_assigned],
        "lead-muck": [],
        "handler-muck": [],
    }.items():
        response = await client.get(
            "/api/v1/findings", params={"overdue": "true"}, headers=await auth(client, user)
        )
        assert response.status_code == 200, response.text
        assert [f["id"] for f in response.json()["items"]] == expected, user
    everything = (await client.get("/api/v1/findings", headers=await auth(client, "office"))).json()["items"]
    flagged = {f["id"]: (f["overdue"], f["due_soon"]) for f in everything}
    assert flagged[overdue_assigned] == flagged[overdue_rework] == (True, False)
    assert flagged[submitted_late] == flagged[closed_late] == (False, False)
    assert flagged[in_time] == (False, False)
    assert flagged[due_soon] == (False, True)
    assert sum(1 for overdue, _soon in flagged.values() if overdue) == 2


# --- duplicates ----------------------------------------------------------------------------


def candidates(finding: dict) -> list[int]:
    return [c["id"] for c in finding["duplicate_candidates"]]


async def test_likely_duplicates_are_near_recent_and_of_the_same_item(client, db, settings):
    first = await new_finding(client)
    near = await new_finding(client, "officer2", where=offset(*HERE, north_m=20))
    too_far = await new_finding(client, where=offset(*HERE, north_m=-40))
    other_item = await new_finding(client, item="san-02")
    other_campaign = await new_finding(client, campaign="parks")
    six_days = await new_finding(client, where=offset(*HERE, east_m=5))
    eight_days = await new_finding(client, where=offset(*HERE, east_m=-5))
    closed = await finding_in(client, "closed")
    first_created = datetime.fromisoformat((await get_finding(client, first))["created_at"])
    await update_finding(db, six_days, created_at=first_created - timedelta(days=6))
    await update_finding(db, eight_days, created_at=first_created - timedelta(days=8))

    finding = await get_finding(client, first, "lead")
    assert candidates(finding) == [six_days, near]  # nearest first
    by_id = {c["id"]: c for c in finding["duplicate_candidates"]}
    assert 15 < by_id[near]["distance_m"] < 25 and by_id[near]["status"] == "new"
    assert by_id[six_days]["distance_m"] < 10
    assert settings.duplicate_radius_m == 30 and settings.duplicate_days == 7
    for not_offered in (too_far, other_item, other_campaign, eight_days, closed):
        assert not_offered not in candidates(finding)
    # The second finding is offered the first, and the office sees the same.
    assert first in candidates(await get_finding(client, near, "lead"))
    assert candidates(await get_finding(client, first, "office")) == [six_days, near]
    # 40 m away: not a duplicate of the first, but 20 m from nothing else either.
    assert first not in candidates(await get_finding(client, too_far, "lead"))
    # Only those who may merge are offered candidates.
    await assign(client, first)
    assert candidates(await get_finding(client, first, "handler")) == []


async def test_an_assigned_or_reworked_finding_is_still_a_candidate(client):
    first = await finding_in(client, "rework")
    second = await finding_in(client, "assigned")
    third = await new_finding(client)
    assert set(candidates(await get_finding(client, third, "lead"))) == {first, second}


async def test_merging_keeps_both_findings_and_all_photos(client):
    before_a = plain_jpeg()
    before_b = fixture_photo("gps_DSCN0021.jpg")
    a = await record_check(client, photos=[before_a])
    b = await record_check(client, "officer2", where=offset(*HERE, north_m=10), photos=[before_b])
    dup, original = a["findings"][0]["id"], b["findings"][0]["id"]
    assert dup in candidates(await get_finding(client, original, "lead"))

    await merge(client, dup, original)
    merged = await get_finding(client, dup, "lead")
    kept = await get_finding(client, original, "lead")
    assert merged["status"] == "merged" and merged["duplicate_of"] == original
    assert kept["status"] == "new" and kept["merged"] == [dup]
    assert dup not in candidates(kept)
    assert merged["duplicate_candidates"] == []
    # Both records keep their photos, and the photos are still served.
    assert [p["uuid"] for p in merged["photos"]] == a["photo_uuids"]
    assert [p["uuid"] for p in kept["photos"]] == b["photo_uuids"]
    for uuid in a["photo_uuids"] + b["photo_uuids"]:
        response = await client.get(f"/api/v1/photos/{uuid}", headers=await auth(client, "lead"))
        assert response.status_code == 200, uuid
    # Each officer still sees their own check's finding.
    assert (await get_finding(client, dup, "officer"))["status"] == "merged"
    assert (await get_finding(client, original, "officer2"))["merged"] == []  # officer2 does not see dup
    # The kept one carries on through the workflow.
    await assign(client, original)
    await rectify(client, original)
    await verify(client, original, "close")
    assert (await get_finding(client, dup, "lead"))["status"] == "merged"


# --- the audit trail -----------------------------------------------------------------------


def audit_verify(settings) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        XUNCHA_DATA_DIR=str(settings.data_dir),
        XUNCHA_DATABASE_URL=settings.database_url,
        XUNCHA_SECRET_KEY=settings.secret_key,
    )
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "audit", "verify"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def full_workflow(client, workflow) -> int:
    """Every kind of change a finding goes through; returns the finding that went furthest."""
    receipt = await record_check(client, photos=[plain_jpeg()])
    finding_id = receipt["findings"][0]["id"]
    await assign(client, finding_id, reason="near the school")
    await rectify(client, finding_id, photos=[fixture_photo("gps_DSCN0010.jpg")])
    await verify(client, finding_id, "rework", reason="photo not from here")
    await workflow.sweep_deadlines(now=days_from_now(30))
    await rectify(
        client,
        finding_id,
        photos=[plain_jpeg("orientation_landscape_8.jpg"), fixture_photo("mobile_jolla.jpg")],
    )
    await verify(client, finding_id, "close", reason="fixed")
    await merge(client, await new_finding(client), await finding_in(client, "assigned"))
    check_uuid, _covert = await covert_finding(client)
    await client.post(f"/api/v1/checks/{check_uuid}/disclose", headers=await auth(client, "office"))
    return finding_id


async def test_the_trail_of_a_full_workflow_verifies_and_a_changed_deadline_is_caught(
    client, db, settings, workflow
):
    finding_id = await full_workflow(client, workflow)
    result = audit_verify(settings)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "intact" in result.stdout

    last = await db_scalar(
        db,
        "SELECT max(seq) FROM audit_entries WHERE object_type = 'finding' AND object_id = :id",
        id=str(finding_id),
    )
    actions = [
        r[0]
        for r in await db_rows(
            db,
            "SELECT action FROM audit_entries WHERE object_type = 'finding' AND object_id = :id ORDER BY seq",
            id=str(finding_id),
        )
    ]
    assert actions == [
        "finding.opened",
        "finding.assigned",
        "finding.submitted",
        "finding.rework",
        "finding.escalated",
        "finding.submitted",
        "finding.closed",
    ]
    await update_finding(db, finding_id, deadline=days_from_now(60))
    result = audit_verify(settings)
    assert result.returncode != 0
    assert f"entry {last}:" in result.stderr, result.stderr
    assert f"finding {finding_id}" in result.stderr and "deadline" in result.stderr


async def test_a_changed_rectification_or_photo_flag_is_caught(client, db, settings, workflow):
    await full_workflow(client, workflow)
    photo_id, flags = (
        await db_rows(db, "SELECT id, flags FROM photos WHERE flags <> '' ORDER BY id LIMIT 1")
    )[0]
    last = await db_scalar(
        db,
        "SELECT max(seq) FROM audit_entries WHERE object_type = 'photo' AND object_id = :id",
        id=str(photo_id),
    )
    async with db.write() as session:
        await session.execute(text("UPDATE photos SET flags = '' WHERE id = :id"), {"id": photo_id})
    result = audit_verify(settings)
    assert result.returncode != 0
    assert f"entry {last}:" in result.stderr and f"photo {photo_id}" in result.stderr, result.stderr
    assert flags
