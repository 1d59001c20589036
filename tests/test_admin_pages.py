"""The office's administration pages, the leader's contact points page and the topic pages:
plain forms over the same services, with CSRF, roles and the field named on a mistake."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import login
from tests.support import FIXTURES_DIR

PAGES = [
    "/admin/",
    "/admin/units",
    "/admin/users",
    "/admin/campaigns",
    "/admin/sites",
    "/admin/contact-points",
    "/admin/import",
    "/admin/campaigns/sanitation/checklist",
]


@pytest.mark.parametrize("path", PAGES)
async def test_only_the_office_sees_the_administration_pages(client, path):
    anonymous = await client.get(path, follow_redirects=False)
    assert anonymous.status_code in (401, 303)
    await login(client, "lead")
    assert (await client.get(path)).status_code == 403
    await client.post("/logout", headers={"X-CSRF-Token": "x"})


@pytest.mark.parametrize("path", PAGES)
async def test_the_office_reads_each_page(client, path):
    await login(client, "office")
    response = await client.get(path)
    assert response.status_code == 200
    assert "<form" in response.text


async def test_a_unit_saved_through_the_form_and_a_mistake_named(client):
    csrf = await login(client, "office")
    saved = await client.post(
        "/admin/units",
        data={
            "_csrf": csrf,
            "code": "form-unit",
            "name_zh": "表单科",
            "kind": "department",
            "parent": "maojian",
            "leader_in_charge": "",
            "active": "true",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/units?done=form-unit"
    assert 'data-code="form-unit"' in (await client.get("/admin/units")).text
    bad = await client.post(
        "/admin/units",
        data={"_csrf": csrf, "code": "maojian", "name_zh": "茅箭", "kind": "district", "parent": "form-unit"},
    )
    assert bad.status_code == 422
    assert "ancestor" in bad.text or "上级" in bad.text
    forged = await client.post(
        "/admin/units", data={"_csrf": "forged", "code": "x", "name_zh": "x", "kind": "office"}
    )
    assert forged.status_code == 403


async def test_a_new_account_and_a_reset_show_the_one_time_password_once(client):
    csrf = await login(client, "office")
    created = await client.post(
        "/admin/users",
        data={
            "_csrf": csrf,
            "code": "page.user",
            "name": "页面用户",
            "role": "officer",
            "unit": "maojian",
            "active": "true",
        },
    )
    assert created.status_code == 200
    secret = re.search(r'<code class="big">([^<]+)</code>', created.text).group(1)
    assert secret not in (await client.get("/admin/users")).text
    reset = await client.post("/admin/users/page.user/reset-password", data={"_csrf": csrf})
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    assert re.search(r'<code class="big">([^<]+)</code>', reset.text).group(1) != secret


async def test_the_one_time_password_login_leads_to_choosing_a_password(client):
    csrf = await login(client, "office")
    created = await client.post(
        "/admin/users",
        data={
            "_csrf": csrf,
            "code": "first.login",
            "name": "首次",
            "role": "handler",
            "unit": "sanitation-office",
        },
    )
    secret = re.search(r'<code class="big">([^<]+)</code>', created.text).group(1)
    await client.post("/logout", data={"_csrf": csrf})
    page = await client.get("/login")
    token = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    response = await client.post(
        "/login", data={"username": "first.login", "password": secret, "_csrf": token}, follow_redirects=False
    )
    assert response.headers["location"] == "/account/password"
    assert (await client.get("/unit")).status_code == 403
    form = await client.get("/account/password")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', form.text).group(1)
    weak = await client.post("/account/password", data={"_csrf": csrf, "current": secret, "new": "12345678"})
    assert weak.status_code == 422
    done = await client.post(
        "/account/password",
        data={"_csrf": csrf, "current": secret, "new": "Wudang mountain 1412"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/unit"
    assert (await client.get("/unit")).status_code == 200


async def test_a_checklist_saved_through_the_page_makes_a_new_version(client):
    csrf = await login(client, "office")
    page = await client.get("/admin/campaigns/sanitation/checklist")
    text = re.search(r'<textarea name="items"[^>]*>([^<]*)</textarea>', page.text).group(1)
    lines = text.strip().splitlines()
    saved = await client.post(
        "/admin/campaigns/sanitation/checklist",
        data={"_csrf": csrf, "items": "\n".join(lines[:-1])},
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/admin/campaigns/sanitation/checklist?done=2"
    bad = await client.post(
        "/admin/campaigns/sanitation/checklist", data={"_csrf": csrf, "items": "x-1 | 文本 | text | huge"}
    )
    assert bad.status_code == 422 and "items[0].severity" in bad.text


async def test_a_site_from_the_map_form_and_an_import_through_the_page(client):
    csrf = await login(client, "office")
    sites = await client.get("/admin/sites")
    assert 'id="site-map"' in sites.text and "leaflet" in sites.text
    bad = await client.post(
        "/admin/sites",
        data={
            "_csrf": csrf,
            "code": "map-site",
            "name": "地图点",
            "kind": "road",
            "lat": "132",
            "lon": "110.8",
            "unit": "maojian",
        },
    )
    assert bad.status_code == 422
    content = (FIXTURES_DIR / "imports" / "sites_bad.csv").read_bytes()
    imported = await client.post(
        "/admin/import",
        data={"_csrf": csrf, "kind": "sites"},
        files={"file": ("sites.csv", content, "text/csv")},
    )
    assert imported.status_code == 422 and "data-import-errors" in imported.text
    good = (FIXTURES_DIR / "imports" / "sites_good.csv").read_bytes()
    dry = await client.post(
        "/admin/import",
        data={"_csrf": csrf, "kind": "sites", "dry_run": "1"},
        files={"file": ("sites.csv", good, "text/csv")},
    )
    assert dry.status_code == 200 and "data-import-result" in dry.text
    assert "imp-site-1" not in (await client.get("/admin/sites")).text


async def test_contact_points_page_then_the_leaders_page_and_a_topic(client):
    csrf = await login(client, "office")
    too_few = await client.post("/admin/contact-points/lead", data={"_csrf": csrf, "units": ["maojian"]})
    assert too_few.status_code == 422
    saved = await client.post(
        "/admin/contact-points/lead",
        data={"_csrf": csrf, "units": ["maojian", "sanitation-office"]},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    await client.post("/logout", data={"_csrf": csrf})

    csrf = await login(client, "lead")
    page = await client.get("/leader")
    assert page.status_code == 200
    assert 'data-unit="maojian"' in page.text and 'data-unit="sanitation-office"' in page.text
    deadline = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    set_topic = await client.post(
        "/leader/topics",
        data={
            "_csrf": csrf,
            "unit": "sanitation-office",
            "title": "渣土车夜间抛洒",
            "body": "",
            "deadline": deadline,
        },
        follow_redirects=False,
    )
    assert set_topic.status_code == 303
    await client.post("/logout", data={"_csrf": csrf})

    csrf = await login(client, "handler")
    topics = await client.get("/topics")
    topic_id = re.search(r'data-topic="(\d+)"', topics.text).group(1)
    answered = await client.post(
        f"/topics/{topic_id}/answer", data={"_csrf": csrf, "answer": "已安排夜查"}, follow_redirects=False
    )
    assert answered.status_code == 303
    await client.post("/logout", data={"_csrf": csrf})

    csrf = await login(client, "lead")
    decided = await client.post(
        f"/topics/{topic_id}/decide", data={"_csrf": csrf, "outcome": "accept"}, follow_redirects=False
    )
    assert decided.status_code == 303
    assert 'data-status="accepted"' in (await client.get("/leader")).text


async def test_a_finding_at_a_site_proposes_the_sites_unit_when_the_lead_assigns(client):
    from conftest import check_body, new_uuid, token_for

    office = await token_for(client, "office")
    put = await client.put(
        "/api/v1/admin/sites/zw-market",
        json={"name": "张湾市场", "kind": "market", "lat": 32.6293, "lon": 110.7981, "unit": "zhangwan"},
        headers=office,
    )
    assert put.status_code == 201
    officer = await token_for(client, "officer")
    sent = await client.put(
        f"/api/v1/checks/{new_uuid()}", json=check_body(site="zw-market"), headers=officer
    )
    assert sent.status_code == 201, sent.text
    finding_id = sent.json()["findings"][0]["id"]
    await login(client, "lead")
    page = await client.get(f"/findings/{finding_id}")
    assert re.search(r'<option value="zhangwan" selected>', page.text)
