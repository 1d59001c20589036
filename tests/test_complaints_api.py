"""Complaints API v1: recording, the workflow's transitions, bad input, and who sees what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import new_uuid
from tests.helpers_complaints import (
    PHONE,
    assign,
    complaint_body,
    investigate,
    record,
    step,
    visit,
)
from tests.helpers_findings import at, auth, future


async def test_a_complaint_goes_from_received_to_closed_and_gets_a_rating_link(client):
    uuid = await record(client)
    office = await auth(client, "office")
    body = (await client.get(f"/api/v1/complaints/{uuid}", headers=office)).json()
    assert body["status"] == "received"
    assert body["complainant"] == {"name": "李秀英", "phone": PHONE}

    assert (await assign(client, uuid))["status"] == "assigned"
    assert (await investigate(client, uuid))["status"] == "investigated"
    visited = await visit(client, uuid, "satisfied")
    assert visited["status"] == "visited" and visited["visit_outcome"] == "satisfied"
    closed = await step(client, uuid, "close")
    assert closed["status"] == "closed"
    assert closed["rating_url"].startswith("/rate/") and len(closed["rating_url"]) > 30

    history = (await client.get(f"/api/v1/complaints/{uuid}", headers=office)).json()["history"]
    assert [h["action"] for h in history] == ["received", "assigned", "investigated", "visited", "closed"]


async def test_recording_is_idempotent_by_uuid(client):
    office = await auth(client, "office")
    uuid, body = new_uuid(), complaint_body()
    first = await client.put(f"/api/v1/complaints/{uuid}", json=body, headers=office)
    again = await client.put(f"/api/v1/complaints/{uuid}", json=body, headers=office)
    other = await client.put(
        f"/api/v1/complaints/{uuid}", json=body | {"content": "另一件事"}, headers=office
    )
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    listed = (await client.get("/api/v1/complaints", headers=office)).json()["items"]
    assert [c["uuid"] for c in listed].count(uuid) == 1


async def test_bad_input_is_422_naming_the_field_and_saves_nothing(client):
    office = await auth(client, "office")
    cases = {
        "received_at": {"received_at": at(datetime.now(UTC) + timedelta(days=2))},
        "content": {"content": "   "},
        "campaign": {"campaign": "no-such-campaign"},
        "source": {"source": "rumour"},
        "location.lat": {"location": {"lat": 123, "lon": 110.8}},
        "complainant.phone": {"complainant": {"name": "x", "phone": 5}},
    }
    for field, change in cases.items():
        uuid = new_uuid()
        response = await client.put(
            f"/api/v1/complaints/{uuid}", json=complaint_body(**change), headers=office
        )
        assert response.status_code == 422, (field, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], (field, response.text)
        assert (await client.get(f"/api/v1/complaints/{uuid}", headers=office)).status_code == 404

    uuid = await record(client, received_at=at(datetime.now(UTC) - timedelta(hours=3)))
    unknown = await client.post(
        f"/api/v1/complaints/{uuid}/assign", json={"unit": "nowhere", "deadline": future(3)}, headers=office
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "unit"
    past = await client.post(
        f"/api/v1/complaints/{uuid}/assign",
        json={"unit": "sanitation-office", "deadline": at(datetime.now(UTC) - timedelta(hours=4))},
        headers=office,
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "deadline"
    month = await client.get("/api/v1/indicators/complaints?month=2026-13", headers=office)
    assert month.status_code == 422 and month.json()["errors"][0]["field"] == "month"
    filters = await client.get("/api/v1/complaints?unit=nowhere&campaign=none", headers=office)
    assert filters.status_code == 422
    assert {e["field"] for e in filters.json()["errors"]} == {"unit", "campaign"}


async def test_refused_transitions_are_409_with_the_current_status(client):
    office = await auth(client, "office")
    uuid = await record(client)
    for action, body in (
        ("investigate", {"result": "done"}),
        ("return-visit", {"outcome": "satisfied"}),
        ("close", {}),
    ):
        response = await client.post(f"/api/v1/complaints/{uuid}/{action}", json=body, headers=office)
        assert response.status_code == 409, response.text
        assert response.json()["complaint_status"] == "received"
    await assign(client, uuid)
    await investigate(client, uuid)
    closing = await client.post(f"/api/v1/complaints/{uuid}/close", json={}, headers=office)
    assert closing.status_code == 409 and closing.json()["complaint_status"] == "investigated"


async def test_an_unsatisfied_return_visit_reopens_with_a_new_deadline(client):
    uuid = await record(client)
    await assign(client, uuid)
    await investigate(client, uuid)
    office = await auth(client, "office")
    missing = await client.post(
        f"/api/v1/complaints/{uuid}/return-visit", json={"outcome": "unsatisfied"}, headers=office
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "deadline"
    reopened = await visit(client, uuid, "unsatisfied")
    assert reopened["status"] == "assigned" and reopened["reopened"] == 1
    assert reopened["unit"] == "sanitation-office"
    await investigate(client, uuid)
    assert (await visit(client, uuid, "basically_satisfied"))["status"] == "visited"


async def test_who_sees_which_complaint(client):
    mine = await record(client, campaign="sanitation")
    theirs = await record(client, campaign="muck")
    await assign(client, mine, "sanitation-office")
    await assign(client, theirs, "muck-office")
    for username, sees in (
        ("handler", {mine}),
        ("handler-muck", {theirs}),
        ("lead", {mine}),
        ("officer", set()),
        ("supervisor", set()),
    ):
        headers = await auth(client, username)
        listed = {
            c["uuid"] for c in (await client.get("/api/v1/complaints", headers=headers)).json()["items"]
        }
        assert listed & {mine, theirs} == sees, username
        for uuid in (mine, theirs):
            response = await client.get(f"/api/v1/complaints/{uuid}", headers=headers)
            assert response.status_code == (200 if uuid in sees else 404), (username, uuid)
            if response.status_code == 200:
                assert "complainant" not in response.json()
    # Another unit's handler cannot answer; the office-only steps are 403 for a unit.
    other = await client.post(
        f"/api/v1/complaints/{mine}/investigate",
        json={"result": "x"},
        headers=await auth(client, "handler-muck"),
    )
    assert other.status_code == 404
    handler = await auth(client, "handler")
    refused = await client.post(f"/api/v1/complaints/{mine}/close", json={}, headers=handler)
    assert refused.status_code == 403
    put = await client.put(f"/api/v1/complaints/{new_uuid()}", json=complaint_body(), headers=handler)
    assert put.status_code == 403


async def test_a_phone_answer_arrives_once_however_often_it_is_sent(client):
    uuid = await record(client)
    await assign(client, uuid)
    handler = await auth(client, "handler")
    answer = new_uuid()
    url = f"/api/v1/complaints/{uuid}/answers/{answer}"
    first = await client.put(url, json={"result": "已处理"}, headers=handler)
    again = await client.put(url, json={"result": "已处理"}, headers=handler)
    other = await client.put(url, json={"result": "另一个答复"}, headers=handler)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert first.json()["status"] == "complete"
    history = (await client.get(f"/api/v1/complaints/{uuid}", headers=handler)).json()["history"]
    assert [h["action"] for h in history].count("investigated") == 1


async def test_late_and_due_today_come_first(client, settings):
    from sqlalchemy import update

    from server.db import Database
    from server.models import Complaint

    fresh = await record(client)
    await assign(client, fresh)
    late = await record(client)
    await assign(client, late)
    callback_late = await record(client)
    await assign(client, callback_late)
    await investigate(client, callback_late)
    db = Database(settings)
    try:
        async with db.write() as session:
            await session.execute(
                update(Complaint)
                .where(Complaint.uuid == late)
                .values(deadline=datetime.now(UTC) - timedelta(hours=1))
            )
            await session.execute(
                update(Complaint)
                .where(Complaint.uuid == callback_late)
                .values(investigated_at=datetime.now(UTC) - timedelta(days=settings.callback_days, hours=1))
            )
    finally:
        await db.dispose()
    office = await auth(client, "office")
    items = (await client.get("/api/v1/complaints", headers=office)).json()["items"]
    order = [c["uuid"] for c in items]
    assert order.index(late) < order.index(fresh) and order.index(callback_late) < order.index(fresh)
    only_late = (await client.get("/api/v1/complaints?late=1", headers=office)).json()["items"]
    assert {c["uuid"] for c in only_late} == {late, callback_late}
    page = await client.get("/complaints", headers=office)
    assert page.status_code == 200
    assert page.text.index(late) < page.text.index(fresh)


async def test_a_complaint_opens_a_finding_that_follows_the_rectification_workflow(client):
    office = await auth(client, "office")
    uuid = await record(client)
    await assign(client, uuid)
    check = new_uuid()
    url = f"/api/v1/complaints/{uuid}/findings"
    first = await client.post(url, json={"check": check, "item": "san-01"}, headers=office)
    assert first.status_code == 201, first.text
    finding = first.json()["finding"]
    assert isinstance(finding, int)
    again = await client.post(url, json={"check": check, "item": "san-01"}, headers=office)
    assert again.status_code == 200 and again.json()["finding"] == finding
    lead = await auth(client, "lead")
    opened = (await client.get(f"/api/v1/findings/{finding}", headers=lead)).json()
    assert opened["status"] == "new" and opened["campaign"] == "sanitation"
    # The unit sees the link only once the finding is theirs to see.
    handler = await auth(client, "handler")
    assert (await client.get(f"/api/v1/complaints/{uuid}", headers=handler)).json()["finding"] is None
    assert (await client.get(f"/api/v1/complaints/{uuid}", headers=lead)).json()["finding"] == finding

    nowhere = await record(client, location=None, campaign=None)
    refused = await client.post(
        f"/api/v1/complaints/{nowhere}/findings", json={"check": new_uuid(), "item": "san-01"}, headers=office
    )
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"campaign", "location"}
