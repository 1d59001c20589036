"""Administration API v1: only the office, create/update/unchanged by code, 422 naming the field,
retirement that ends live tokens, versioned checklists, contact points, topics, audit entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import check_body, new_uuid, token_for
from server.audit.verify import verify
from server.db import Database
from server.models import AuditEntry

ROUTES = [
    ("get", "/api/v1/admin/units", None),
    ("put", "/api/v1/admin/units/x-unit", {"name_zh": "x", "kind": "department"}),
    ("get", "/api/v1/admin/users", None),
    ("put", "/api/v1/admin/users/someone", {"name": "x", "role": "officer", "unit": "maojian"}),
    ("post", "/api/v1/admin/users/officer/reset-password", None),
    ("get", "/api/v1/admin/campaigns", None),
    ("put", "/api/v1/admin/campaigns/x", {}),
    ("put", "/api/v1/admin/campaigns/sanitation/checklist", {"items": []}),
    ("get", "/api/v1/admin/sites", None),
    ("put", "/api/v1/admin/sites/x", {}),
    ("get", "/api/v1/admin/contact-points", None),
    ("put", "/api/v1/admin/contact-points/lead", {"units": []}),
    ("post", "/api/v1/admin/import/sites", None),
    ("get", "/api/v1/admin/import/sites/template.xlsx", None),
]


async def _call(client, method, path, body, headers=None):
    kwargs = {"headers": headers or {}}
    if body is not None:
        kwargs["json"] = body
    return await getattr(client, method)(path, **kwargs)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_only_the_office_reaches_administration(client, method, path, body):
    assert (await _call(client, method, path, body)).status_code == 401
    for username in ("officer", "lead", "handler", "supervisor"):
        response = await _call(client, method, path, body, await token_for(client, username))
        assert response.status_code == 403, (username, response.text)


async def office(client):
    return await token_for(client, "office")


async def test_units_create_update_unchanged_and_no_loops(client):
    h = await office(client)
    body = {
        "name_zh": "测试科",
        "name_en": "Test section",
        "kind": "department",
        "parent": "maojian",
        "leader_in_charge": "lead",
        "active": True,
    }
    assert (await client.put("/api/v1/admin/units/test-sec", json=body, headers=h)).status_code == 201
    again = await client.put("/api/v1/admin/units/test-sec", json=body, headers=h)
    assert again.status_code == 200 and again.json()["result"] == "unchanged"
    renamed = await client.put("/api/v1/admin/units/test-sec", json={**body, "name_en": "Testing"}, headers=h)
    assert renamed.json()["result"] == "updated"
    listed = {u["code"]: u for u in (await client.get("/api/v1/admin/units", headers=h)).json()}
    assert listed["test-sec"]["parent"] == "maojian" and listed["test-sec"]["leader_in_charge"] == "lead"
    # maojian under its own descendant: refused, the field named.
    loop = await client.put(
        "/api/v1/admin/units/maojian",
        json={"name_zh": "茅箭", "kind": "district", "parent": "test-sec"},
        headers=h,
    )
    assert loop.status_code == 422
    assert [e["field"] for e in loop.json()["errors"]] == ["parent"]
    self_parent = await client.put(
        "/api/v1/admin/units/test-sec", json={**body, "parent": "test-sec"}, headers=h
    )
    assert self_parent.status_code == 422
    bad = await client.put("/api/v1/admin/units/BAD CODE", json={"kind": "nope"}, headers=h)
    assert bad.status_code == 422
    assert {"code", "name_zh", "kind"} <= {e["field"] for e in bad.json()["errors"]}
    retired = await client.put("/api/v1/admin/units/test-sec", json={**body, "active": False}, headers=h)
    assert retired.json()["result"] == "updated"
    listed = {u["code"]: u for u in (await client.get("/api/v1/admin/units", headers=h)).json()}
    assert listed["test-sec"]["active"] is False


async def test_a_new_account_logs_in_with_its_one_time_password_and_must_choose_another(client):
    h = await office(client)
    created = await client.put(
        "/api/v1/admin/users/new.officer",
        json={"name": "新队员", "role": "officer", "unit": "maojian"},
        headers=h,
    )
    assert created.status_code == 201
    secret = created.json()["one_time_password"]
    assert len(secret) >= 12
    token = await client.post("/api/v1/auth/token", json={"username": "new.officer", "password": secret})
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    # Nothing but choosing a password until it is chosen.
    blocked = await client.get("/api/v1/me", headers=bearer)
    assert blocked.status_code == 403
    weak = await client.post(
        "/api/v1/account/password", json={"current": secret, "new": "password123"}, headers=bearer
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "new"
    short = await client.post(
        "/api/v1/account/password", json={"current": secret, "new": "Ab1"}, headers=bearer
    )
    assert short.status_code == 422
    ok = await client.post(
        "/api/v1/account/password", json={"current": secret, "new": "Han-river bridge 42"}, headers=bearer
    )
    assert ok.status_code == 200, ok.text
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200
    users = {u["username"]: u for u in (await client.get("/api/v1/admin/users", headers=h)).json()}
    assert users["new.officer"]["must_change_password"] is False
    assert users["new.officer"]["last_login_at"] is not None


async def test_reset_password_shows_a_one_time_password_once_and_ends_old_sessions(client):
    h = await office(client)
    old = await token_for(client, "officer")
    reset = await client.post("/api/v1/admin/users/officer/reset-password", headers=h)
    assert reset.status_code == 200
    assert reset.headers["cache-control"] == "no-store"
    assert set(reset.json()) == {"one_time_password", "expires_at"}
    assert (await client.get("/api/v1/me", headers=old)).status_code == 401
    fresh = await client.post(
        "/api/v1/auth/token", json={"username": "officer", "password": reset.json()["one_time_password"]}
    )
    assert fresh.status_code == 200
    missing = await client.post("/api/v1/admin/users/nobody/reset-password", headers=h)
    assert missing.status_code == 404


async def test_retiring_an_account_stops_its_live_token_at_once(client):
    h = await office(client)
    live = await token_for(client, "officer2")
    assert (await client.get("/api/v1/me", headers=live)).status_code == 200  # cached as valid
    retired = await client.put(
        "/api/v1/admin/users/officer2",
        json={"name": "刘建军", "role": "officer", "unit": "zhangwan", "active": False},
        headers=h,
    )
    assert retired.status_code == 200 and retired.json()["result"] == "updated"
    assert (await client.get("/api/v1/me", headers=live)).status_code == 401
    again = await client.post("/api/v1/auth/token", json={"username": "officer2", "password": "xuncha-demo"})
    assert again.status_code == 401


async def test_account_rules_name_the_field(client):
    h = await office(client)
    bad = await client.put(
        "/api/v1/admin/users/x", json={"name": "", "role": "boss", "unit": "nowhere"}, headers=h
    )
    assert bad.status_code == 422
    assert {"username", "name", "role", "unit"} <= {e["field"] for e in bad.json()["errors"]}
    own = await client.put(
        "/api/v1/admin/users/office",
        json={"name": "马丽华", "role": "office", "unit": "duty-office", "active": False},
        headers=h,
    )
    assert own.status_code == 422 and own.json()["errors"][0]["field"] == "active"


async def test_campaign_lead_must_be_an_active_lead_and_dates_in_order(client):
    h = await office(client)
    body = {
        "name_zh": "夜市整治",
        "name_en": "Night markets",
        "category": "public-space",
        "lead": "lead",
        "responsible_unit": "maojian",
        "measures_zh": "每晚巡查",
        "starts_on": "2026-03-01",
        "ends_on": "2026-12-31",
        "active": True,
    }
    assert (await client.put("/api/v1/admin/campaigns/night-market", json=body, headers=h)).status_code == 201
    assert (await client.put("/api/v1/admin/campaigns/night-market", json=body, headers=h)).json()[
        "result"
    ] == "unchanged"
    bad = await client.put(
        "/api/v1/admin/campaigns/night-market",
        json={**body, "lead": "officer", "ends_on": "2026-01-01", "category": "x"},
        headers=h,
    )
    assert bad.status_code == 422
    assert {"lead", "ends_on", "category"} == {e["field"] for e in bad.json()["errors"]}
    listed = {c["code"]: c for c in (await client.get("/api/v1/admin/campaigns", headers=h)).json()}
    assert listed["night-market"]["checklist_version"] == 0


async def test_checklist_versions_and_an_offline_check_against_the_old_version(client):
    h = await office(client)
    officer = await token_for(client, "officer")
    before = {c["code"]: c for c in (await client.get("/api/v1/campaigns", headers=officer)).json()}
    assert before["sanitation"]["checklist_version"] == 1
    old_items = before["sanitation"]["items"]
    old_text = old_items[0]["text"]
    new_items = [
        {
            "code": i["code"],
            "text_zh": i["text"] + ("（新）" if n == 0 else ""),
            "text_en": i["code"],
            "severity": i["severity"],
        }
        for n, i in enumerate(old_items)
        if i["code"] != "san-02"
    ] + [{"code": "san-99", "text_zh": "新增项目", "text_en": "A new item", "severity": "minor"}]
    saved = await client.put(
        "/api/v1/admin/campaigns/sanitation/checklist", json={"items": new_items}, headers=h
    )
    assert saved.status_code == 201 and saved.json()["version"] == 2
    same = await client.put(
        "/api/v1/admin/campaigns/sanitation/checklist", json={"items": new_items}, headers=h
    )
    assert same.status_code == 200 and same.json()["version"] == 2
    after = {c["code"]: c for c in (await client.get("/api/v1/campaigns", headers=officer)).json()}
    assert after["sanitation"]["checklist_version"] == 2
    assert "san-02" not in [i["code"] for i in after["sanitation"]["items"]]

    # Recorded against version 1 (san-01 and san-02), sent after version 2 was saved.
    uuid = new_uuid()
    sent = await client.put(f"/api/v1/checks/{uuid}", json=check_body(checklist_version=1), headers=officer)
    assert sent.status_code == 201, sent.text
    stored = await client.get(f"/api/v1/checks/{uuid}", headers=officer)
    texts = {a["item"]: a["text"] for a in stored.json()["answers"]}
    assert texts["san-01"] == old_text
    assert "san-02" in texts
    # Without a version, san-02 is no longer on the list.
    refused = await client.put(f"/api/v1/checks/{new_uuid()}", json=check_body(), headers=officer)
    assert refused.status_code == 422
    unknown = await client.put(
        f"/api/v1/checks/{new_uuid()}", json=check_body(checklist_version=7), headers=officer
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "checklist_version"

    dup = await client.put(
        "/api/v1/admin/campaigns/sanitation/checklist",
        json={"items": [new_items[0], new_items[0], {"code": "x", "text_zh": "", "severity": "huge"}]},
        headers=h,
    )
    assert dup.status_code == 422
    fields = {e["field"] for e in dup.json()["errors"]}
    assert {"items[1].code", "items[2].text_zh", "items[2].severity"} <= fields


async def test_sites_validate_coordinates_and_unit(client):
    h = await office(client)
    body = {"name": "测试广场", "kind": "square", "lat": 32.64, "lon": 110.79, "unit": "maojian"}
    assert (await client.put("/api/v1/admin/sites/test-square", json=body, headers=h)).status_code == 201
    assert (await client.put("/api/v1/admin/sites/test-square", json=body, headers=h)).json()[
        "result"
    ] == "unchanged"
    bad = await client.put(
        "/api/v1/admin/sites/test-square",
        json={**body, "lat": 91, "lon": "east", "unit": "nowhere"},
        headers=h,
    )
    assert bad.status_code == 422
    assert {"lat", "lon", "unit"} == {e["field"] for e in bad.json()["errors"]}
    sites = {s["code"]: s for s in (await client.get("/api/v1/admin/sites", headers=h)).json()}
    assert sites["test-square"]["unit"] == "maojian"


async def test_contact_points_and_a_topic_answered_sent_back_and_accepted(client):
    h = await office(client)
    one = await client.put("/api/v1/admin/contact-points/lead", json={"units": ["maojian"]}, headers=h)
    assert one.status_code == 422
    not_leader = await client.put(
        "/api/v1/admin/contact-points/officer", json={"units": ["maojian", "zhangwan"]}, headers=h
    )
    assert not_leader.status_code == 422
    ok = await client.put(
        "/api/v1/admin/contact-points/lead", json={"units": ["maojian", "sanitation-office"]}, headers=h
    )
    assert ok.status_code == 201
    again = await client.put(
        "/api/v1/admin/contact-points/lead", json={"units": ["maojian", "sanitation-office"]}, headers=h
    )
    assert again.status_code == 200 and again.json()["result"] == "unchanged"
    assert (await client.get("/api/v1/admin/contact-points", headers=h)).json() == [
        {"leader": "lead", "units": ["maojian", "sanitation-office"]}
    ]

    lead, handler = await token_for(client, "lead"), await token_for(client, "handler")
    deadline = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    elsewhere = await client.post(
        "/api/v1/topics/", json={"unit": "zhangwan", "title": "x", "deadline": deadline}, headers=lead
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "unit"
    topic = await client.post(
        "/api/v1/topics/",
        json={
            "unit": "sanitation-office",
            "title": "渣土车夜间抛洒",
            "body": "夜间巡查",
            "deadline": deadline,
        },
        headers=lead,
    )
    assert topic.status_code == 201
    tid = topic.json()["id"]
    early = await client.post(f"/api/v1/topics/{tid}/decide", json={"outcome": "accept"}, headers=lead)
    assert early.status_code == 409
    answer = await client.post(f"/api/v1/topics/{tid}/answer", json={"answer": "增加夜班"}, headers=handler)
    assert answer.status_code == 200 and answer.json()["status"] == "answered"
    back = await client.post(
        f"/api/v1/topics/{tid}/decide", json={"outcome": "return", "note": "要有照片"}, headers=lead
    )
    assert back.json()["status"] == "returned"
    await client.post(f"/api/v1/topics/{tid}/answer", json={"answer": "已补照片"}, headers=handler)
    accepted = await client.post(f"/api/v1/topics/{tid}/decide", json={"outcome": "accept"}, headers=lead)
    assert accepted.json()["status"] == "accepted"
    other_handler = await token_for(client, "handler-muck")
    assert (await client.get(f"/api/v1/topics/{tid}", headers=other_handler)).status_code == 404


async def test_every_change_is_in_the_audit_trail_with_who_made_it(client, settings):
    h = await office(client)
    await client.put("/api/v1/admin/units/audit-u", json={"name_zh": "审计", "kind": "department"}, headers=h)
    await client.put(
        "/api/v1/admin/sites/audit-s",
        json={"name": "s", "kind": "road", "lat": 32.6, "lon": 110.8, "unit": "audit-u"},
        headers=h,
    )
    await client.post("/api/v1/admin/users/officer/reset-password", headers=h)
    db = Database(settings)
    try:
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.seq.desc()).limit(3)
                )
            ).all()
        report = await verify(db)
    finally:
        await db.dispose()
    assert [r.action for r in rows] == ["user.password_reset", "site.created", "unit.created"]
    assert len({r.actor_id for r in rows}) == 1 and rows[0].actor_id is not None
    assert report.intact, report.first_break
