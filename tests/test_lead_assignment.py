"""What the lead is offered on a finding's page before assigning it, and what an assignment or a
rework without a deadline gets: units that rectify, the site's unit proposed, the deadline from
the campaign's rule, the photo flags of the check, and the instructions labelled as such."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from conftest import login
from server.db import Database
from tests.helpers_app import app_for
from tests.helpers_findings import (
    HERE,
    assign,
    auth,
    finding_in,
    fixture_photo,
    get_finding,
    new_finding,
    offset,
    plain_jpeg,
    rectify,
    with_exif,
)
from tests.html_tree import parse

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def client(settings):
    with app_for(replace(settings, deadline_sweep_seconds=0)) as app:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
            yield test_client


@pytest.fixture
async def db(settings):
    database = Database(settings)
    yield database
    await database.dispose()


def end_of_day_in(days: int) -> datetime:
    """18:00 in the bureau's zone, `days` days from today there."""
    today = datetime.now(UTC).astimezone(ZONE).date()
    return datetime.combine(today + timedelta(days=days), time(18, 0), tzinfo=ZONE)


def same_day_deadline() -> datetime:
    """The same day's end, or the next day's when less than two hours of today's are left."""
    today = end_of_day_in(0)
    return today if today - datetime.now(UTC) >= timedelta(hours=2) else end_of_day_in(1)


async def assign_form(client, finding: int, headers=EN):
    page = await client.get(f"/findings/{finding}", headers=headers)
    assert page.status_code == 200, page.text
    return parse(page.text).one("section", id="assign")


async def test_the_form_offers_only_units_that_rectify(client):
    finding = await new_finding(client)
    await login(client, "lead")
    form = await assign_form(client, finding)
    offered = {o.attrs["value"] for o in form.one("select", name="unit").find_all("option")}
    assert {"sanitation-office", "maojian", "zhangwan", "lighting-office", "conduct-dept"} <= offered
    # Not the bureau itself, its supervision office, or the third-party evaluator.
    assert not offered & {"bureau", "duty-office", "chufeng-eval"}


async def test_the_api_refuses_a_unit_that_does_not_rectify(client):
    finding = await new_finding(client)
    for unit in ("bureau", "duty-office", "chufeng-eval"):
        refused = await assign(client, finding, unit=unit, expect=422)
        assert refused.json()["errors"][0]["field"] == "unit"
    assert (await get_finding(client, finding))["status"] == "new"


async def test_the_form_proposes_the_unit_of_the_site_else_the_campaigns(client):
    at_site = await new_finding(client, site="renmin-n-rd")  # a road of the Maojian district bureau
    no_site = await new_finding(client)
    await login(client, "lead")
    chosen = (await assign_form(client, at_site)).one("option", selected="")
    assert chosen.attrs["value"] == "maojian"
    chosen = (await assign_form(client, no_site)).one("option", selected="")
    assert chosen.attrs["value"] == "sanitation-office"


@pytest.mark.parametrize(
    ("severity", "days", "rule_text"),
    [("major", 3, "Major findings: 3 days"), ("critical", 7, "Critical findings: 7 days")],
)
async def test_the_form_proposes_the_deadline_of_the_campaigns_rule(client, severity, days, rule_text):
    finding = await new_finding(client, severity=severity)
    await login(client, "lead")
    form = await assign_form(client, finding)
    proposed = form.one("input", name="deadline").attrs["value"]
    assert proposed == end_of_day_in(days).strftime("%Y-%m-%dT%H:%M")
    assert rule_text.lower() in form.one(id="deadline-rule").text.lower()


async def test_a_minor_finding_is_due_the_same_day(client):
    finding = await new_finding(client, severity="minor")
    await login(client, "lead")
    form = await assign_form(client, finding, ZH)
    assert form.one("input", name="deadline").attrs["value"] == same_day_deadline().strftime("%Y-%m-%dT%H:%M")
    assert "当天" in form.one(id="deadline-rule").text


async def test_the_rule_is_the_campaigns_own(client, db):
    async with db.write() as session:
        await session.execute(text("UPDATE campaigns SET deadline_days_major = 5 WHERE code = 'sanitation'"))
    finding = await new_finding(client, severity="major")
    assert (await get_finding(client, finding))["deadline_rule"] == {"minor": 0, "major": 5, "critical": 7}
    await login(client, "lead")
    form = await assign_form(client, finding)
    assert form.one("input", name="deadline").attrs["value"] == end_of_day_in(5).strftime("%Y-%m-%dT%H:%M")


async def test_an_assignment_without_a_deadline_gets_the_rules(client):
    finding = await new_finding(client, severity="critical")
    sent = await client.post(
        f"/api/v1/findings/{finding}/assign",
        json={"unit": "sanitation-office"},
        headers=await auth(client, "lead"),
    )
    assert sent.status_code == 200, sent.text
    deadline = datetime.fromisoformat(sent.json()["deadline"])
    assert deadline == end_of_day_in(7)


async def test_a_rework_without_a_deadline_gets_a_new_one_not_the_old(client):
    finding = await finding_in(client, "assigned", severity="major")
    old = datetime.fromisoformat((await get_finding(client, finding))["deadline"])
    await rectify(client, finding)
    sent = await client.post(
        f"/api/v1/findings/{finding}/verify",
        json={"outcome": "rework", "reason": "still dirty"},
        headers=await auth(client, "lead"),
    )
    assert sent.status_code == 200, sent.text
    new = datetime.fromisoformat(sent.json()["deadline"])
    assert new != old and new == end_of_day_in(3)


async def test_the_rework_form_proposes_the_rules_deadline_from_now(client, db):
    finding = await finding_in(client, "assigned", severity="major")
    # The first deadline was almost spent when the report came in.
    async with db.write() as session:
        soon = datetime.now(UTC) + timedelta(hours=3)
        await session.execute(
            text("UPDATE findings SET deadline = :d WHERE id = :id"), {"d": soon, "id": finding}
        )
    await rectify(client, finding)
    await login(client, "lead")
    page = parse((await client.get(f"/findings/{finding}", headers=EN)).text)
    rework_form = [
        f for f in page.one("section", id="verify").find_all("form") if f.find_all(value="rework")
    ][0]
    proposed = rework_form.one("input", name="deadline").attrs["value"]
    assert proposed == end_of_day_in(3).strftime("%Y-%m-%dT%H:%M")


async def test_the_leads_instructions_are_labelled_as_instructions(client):
    finding = await new_finding(client)
    await assign(client, finding, reason="清理后拍照上报")
    await login(client, "lead")
    page = parse((await client.get(f"/findings/{finding}", headers=ZH)).text)
    entry = page.one("li", data_action="assigned")
    note = entry.one("span", class_="note")
    assert note.text == "交办要求： 清理后拍照上报"
    assert "原因" not in entry.text
    # The form's field says the same.
    other = await new_finding(client)
    labels = [
        lb for lb in (await assign_form(client, other, ZH)).find_all("label") if lb.find_all("textarea")
    ]
    assert [lb.text for lb in labels] == ["交办要求（可选）"]


async def test_the_lead_sees_the_photo_flags_of_the_check_before_assigning(client):
    recorded_days_ago = datetime.now(UTC).astimezone(ZONE) - timedelta(days=3)
    far = offset(*HERE, north_m=1500)
    photos = [
        with_exif(plain_jpeg(), taken=recorded_days_ago.replace(tzinfo=None)),  # an old photo
        with_exif(plain_jpeg(), position=far),  # taken 1.5 km away
    ]
    finding = await new_finding(client, photos=photos)
    await login(client, "lead")
    page = parse((await client.get(f"/findings/{finding}", headers=EN)).text)
    section = page.one("section", id="assign")
    warning = section.one("div", class_="flags")
    old = warning.one("li", data_flag="before_check").text
    assert "Taken long before the check" in old and "days before the check was recorded" in old
    far_text = warning.one("li", data_flag="far_from_check").text
    assert "about 1.5 km from where the check was recorded" in far_text
    # The warning stands before the form, which the lead fills in after reading it.
    children = [c for c in section.children if not isinstance(c, str)]
    assert children.index(warning) < children.index(section.one("form"))
    # Each photo carries its own badge.
    badges = [b.attrs["data-flag"] for b in page.find_all("span", class_="flag") if b.attrs.get("data-flag")]
    assert sorted(badges) == ["before_check", "far_from_check"]


async def test_clean_photos_of_the_check_say_so(client):
    finding = await new_finding(client, photos=[with_exif(plain_jpeg(), position=HERE)])
    await login(client, "lead")
    section = (await assign_form(client, finding)).text
    assert "No warnings: the photos of the check were taken where and when it was recorded." in section


async def test_a_far_photo_of_the_check_reads_in_plain_chinese(client):
    finding = await new_finding(client, photos=[fixture_photo("gps_DSCN0010.jpg")])  # taken in Italy
    await login(client, "lead")
    text = (await assign_form(client, finding, ZH)).one("li", data_flag="far_from_check").text
    assert "km" not in text
    assert re.search(r"约 \d{1,3}(,\d{3})+ 公里", text), text


async def test_the_lead_is_notified_when_the_unit_submits(client):
    finding = await finding_in(client, "submitted")
    await login(client, "lead")
    page = parse((await client.get("/desk", headers=ZH)).text)
    notes = page.one(id="desk-notes")
    (kind,) = notes.find_all("span", data_kind="submitted")
    assert kind.text == "责任单位已提交整改，待核查"
    assert notes.find_all("a", href=f"/findings/{finding}")
    # The office, who also acts on findings, is not the campaign's lead: nothing for them.
    assert await _notes_of(client, "office") == 0


async def _notes_of(client, username: str) -> int:
    client.cookies.clear()
    await login(client, username)
    page = await client.get("/desk", headers=EN)
    assert page.status_code == 200
    return len(parse(page.text).find_all("span", data_kind="submitted"))
