"""The year's calendar as people use it: the office's form, a unit's upload form, its home page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conftest import login, token_for
from tests.helpers_duties import DOCX as DOCX_TYPE
from tests.helpers_duties import Clock, create_duty, docx_bytes, duty_body, in_days, pdf_bytes, upload
from tests.html_tree import parse

pytestmark = pytest.mark.anyio


async def test_the_office_sets_a_duty_by_form_and_a_refused_form_keeps_what_was_typed(client):
    csrf = await login(client, "office")
    page = await client.get("/duties")
    assert page.status_code == 200
    form = {
        "_csrf": csrf,
        "year": "2026",
        "code": "Not A Code",
        "title_zh": "整改方案",
        "title_en": "Rectification plan",
        "description_zh": "说明",
        "deadline": "2026-12-20",
        "scope": "chosen",
        "units": ["muck-office", "dust-office"],
    }
    refused = await client.post("/duties", data=form, follow_redirects=False)
    assert refused.status_code == 422
    html = parse(refused.text)
    assert html.one("input", name="code").attrs["value"] == "Not A Code"
    assert html.one("input", name="title_zh").attrs["value"] == "整改方案"
    assert "checked" in html.one("input", name="units", value="muck-office").attrs
    assert "checked" not in html.one("input", name="units", value="sanitation-office").attrs
    assert "checked" in html.one("input", name="scope", value="chosen").attrs
    assert "lowercase letters" in refused.text or "小写字母" in refused.text

    form["code"] = "rectification-plan"
    saved = await client.post("/duties", data=form, follow_redirects=False)
    assert saved.status_code == 303
    duty = parse((await client.get(saved.headers["location"])).text)
    rows = duty.one("ul", data_duty_answers="").find_all("li", data_status="missing")
    assert sorted(li.attrs["data-unit"] for li in rows) == ["dust-office", "muck-office"]


async def test_a_unit_uploads_and_replaces_its_document_by_form(client):
    office = await token_for(client, "office")
    duty = await create_duty(client, office)
    csrf = await login(client, "handler")
    listed = parse((await client.get("/duties", params={"year": duty["year"]})).text)
    mine = listed.one("li", data_duty="rectification-plan")
    assert mine.attrs["data-status"] == "missing"

    url = f"/duties/{duty['id']}/answer"
    sent = await client.post(
        url,
        data={"_csrf": csrf},
        files={"file": ("计划.pdf", pdf_bytes(), "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    # A web page renamed .docx is refused on the page, saying why.
    refused = await client.post(
        url,
        data={"_csrf": csrf},
        files={"file": ("plan.docx", b"<html><body>hi</body></html>", DOCX_TYPE)},
        follow_redirects=False,
    )
    assert refused.status_code == 415
    assert "HTML" in parse(refused.text).one("div", role="alert").text
    replaced = await client.post(
        url,
        data={"_csrf": csrf},
        files={"file": ("plan.docx", docx_bytes(), DOCX_TYPE)},
        follow_redirects=False,
    )
    assert replaced.status_code == 303
    page = parse((await client.get(replaced.headers["location"])).text)
    assert page.one("section", data_my_answer="").attrs["data-status"] == "on_time"
    versions = [li.attrs["data-version"] for li in page.find_all("li") if "data-version" in li.attrs]
    assert versions == ["2", "1"]
    # Without the CSRF token nothing is taken.
    forged = await client.post(
        url, files={"file": ("x.pdf", pdf_bytes("x"), "application/pdf")}, follow_redirects=False
    )
    assert forged.status_code == 403


async def test_a_units_home_names_the_duties_it_let_pass(client):
    office = await token_for(client, "office")
    year = in_days(-2).year
    await create_duty(client, office, code="missed", due=in_days(-2), year=year, title_en="Missed report")
    answered = await create_duty(
        client, office, code="given", due=in_days(-2), year=year, title_en="Given report"
    )
    handler = await token_for(client, "handler")
    # Late, but answered: no longer overdue.
    assert (
        await upload(client, handler, answered["id"], "sanitation-office", pdf_bytes(), "a.pdf")
    ).status_code == 201
    await login(client, "handler")
    home = await client.get("/unit", headers={"Accept-Language": "en"})
    alert = parse(home.text).one("div", data_overdue_duties="")
    assert "Missed report" in alert.text
    assert "Given report" not in alert.text


async def test_the_pages_refuse_roles_without_duties(client):
    office = await token_for(client, "office")
    duty = (await client.post("/api/v1/duties", json=duty_body(), headers=office)).json()
    await login(client, "officer")
    assert (await client.get("/duties", follow_redirects=False)).status_code == 403
    assert (await client.get(f"/duties/{duty['id']}", follow_redirects=False)).status_code == 403


async def test_the_offices_overview_counts_each_duty_of_the_year(client, monkeypatch):
    office, handler = await token_for(client, "office"), await token_for(client, "handler")
    # On a clock held in this year's June, so that yesterday is in the same year whatever the day.
    clock = Clock(monkeypatch)
    clock.now = datetime(date.today().year, 6, 15, 4, tzinfo=UTC)
    duty = await create_duty(client, office, code="yesterday", due=date(clock.now.year, 6, 14))
    await upload(client, handler, duty["id"], "sanitation-office", pdf_bytes(), "a.pdf")
    await login(client, "office")
    html = parse((await client.get("/office", headers={"Accept-Language": "en"})).text)
    item = html.one("ul", data_office_duties="").one("li", data_duty="yesterday")
    assert "Answered late 1" in item.text
    assert "Overdue, no answer 2" in item.text


async def test_the_demo_history_answers_the_duties_already_due_with_every_status(client, settings):
    from server.demo.history import record_history

    assert "answers to the year's duties" in await record_history(settings)
    office = await token_for(client, "office")
    for duty in (await client.get("/api/v1/duties", headers=office)).json():
        statuses = {a["status"] for a in duty["answers"]}
        if datetime.fromisoformat(duty["due_at"]) <= datetime.now(UTC):
            assert {"on_time", "late", "overdue"} <= statuses, duty["code"]
            on_time = next(a for a in duty["answers"] if a["status"] == "on_time")
            assert (await client.get(on_time["file"], headers=office)).content.startswith(b"%PDF-")
        else:
            assert statuses == {"missing"}, duty["code"]
