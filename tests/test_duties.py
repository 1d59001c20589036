"""The year's calendar of dated duties: the office sets them, units answer with a document checked
by its content, every version kept, late answers marked, and the office's matrix of who is late."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from conftest import login, token_for
from server.app import create_app
from server.audit.verify import verify
from server.db import Database
from server.demo.loader import load_demo
from server.duties.seed import current_year
from server.duties.service import deadline_of
from tests.helpers_duties import (
    DOCX,
    Clock,
    create_duty,
    docx_bytes,
    duty_body,
    in_days,
    pdf_bytes,
    upload,
    xlsx_bytes,
)
from tests.helpers_findings import db_rows
from tests.html_tree import parse

pytestmark = pytest.mark.anyio


async def test_the_demo_seeds_the_plans_three_duties_once(settings):
    db = Database(settings)
    try:
        year = current_year(settings.timezone)
        rows = await db_rows(
            db, "SELECT code, due_on, scope FROM duties WHERE year = :y ORDER BY due_on", y=year
        )
        assert [(r[0], str(r[1]), r[2]) for r in rows] == [
            ("work-plan", f"{year}-06-18", "all"),
            ("self-report", f"{year}-11-15", "all"),
            ("bureau-report", f"{year}-12-05", "chosen"),
        ]
        chosen = await db_rows(
            db,
            "SELECT units.code FROM duty_units JOIN units ON units.id = duty_units.unit_id "
            "JOIN duties ON duties.id = duty_units.duty_id WHERE duties.code = 'bureau-report'",
        )
        assert [r[0] for r in chosen] == ["duty-office"]
        entries = len(await db_rows(db, "SELECT seq FROM audit_entries"))
        assert await load_demo(settings, db) == "demo data already loaded: nothing changed"
        assert len(await db_rows(db, "SELECT id FROM duties")) == 3
        assert len(await db_rows(db, "SELECT seq FROM audit_entries")) == entries
        assert (await verify(db)).intact
    finally:
        await db.dispose()


async def test_the_office_sets_a_duty_and_each_unit_asked_sees_it(client):
    office = await token_for(client, "office")
    created = await create_duty(client, office)
    assert created["scope"] == "chosen"
    assert [a["unit"] for a in created["answers"]] == ["dust-office", "muck-office", "sanitation-office"]
    assert created["counts"] == {"on_time": 0, "late": 0, "missing": 3, "overdue": 0}
    assert created["bulletin"] is None

    handler = await token_for(client, "handler")
    listed = (await client.get("/api/v1/duties", params={"year": created["year"]}, headers=handler)).json()
    mine = next(d for d in listed if d["code"] == "rectification-plan")
    assert [a["unit"] for a in mine["answers"]] == ["sanitation-office"]  # never another unit's
    # A duty not asked of the unit is not on its list, and not found.
    other = await create_duty(client, office, code="lighting-only", units=["lighting-office"])
    assert (await client.get(f"/api/v1/duties/{other['id']}", headers=handler)).status_code == 404
    listed = (await client.get("/api/v1/duties", params={"year": created["year"]}, headers=handler)).json()
    assert "lighting-only" not in [d["code"] for d in listed]

    # "all" asks every assessed unit; the bureau's report links to the bulletins.
    year = current_year("Asia/Shanghai")
    this_year = (await client.get("/api/v1/duties", headers=office)).json()
    plan = next(d for d in this_year if d["code"] == "work-plan")
    assert plan["year"] == year and plan["scope"] == "all"
    assert "sanitation-office" in [a["unit"] for a in plan["answers"]]
    assert "duty-office" not in [a["unit"] for a in plan["answers"]]  # the office is not assessed
    report = next(d for d in this_year if d["code"] == "bureau-report")
    assert report["bulletin"] == "/bulletins"
    assert [a["unit"] for a in report["answers"]] == ["duty-office"]


async def test_a_duty_with_mistakes_is_refused_by_field_and_nothing_is_saved(client, settings):
    office = await token_for(client, "office")
    response = await client.post(
        "/api/v1/duties",
        json=duty_body(year=1899, code="Bad Code", title_zh="", deadline="18 June", units=["nowhere"]),
        headers=office,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"year", "code", "title_zh", "deadline", "units[0]"}
    response = await client.post("/api/v1/duties", json=duty_body(units=[]), headers=office)
    assert [e["field"] for e in response.json()["errors"]] == ["units"]
    # No text a database cannot hold reaches it.
    response = await client.post(
        "/api/v1/duties", json=duty_body(units=["dust-office", "bad\u0000unit"]), headers=office
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["units[1]"]
    db = Database(settings)
    try:
        assert len(await db_rows(db, "SELECT id FROM duties")) == 3
    finally:
        await db.dispose()
    await create_duty(client, office)
    again = await client.post("/api/v1/duties", json=duty_body(), headers=office)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "code"


async def test_a_handler_answers_with_a_pdf_then_replaces_it_with_a_docx_and_every_version_is_kept(
    client, settings
):
    office = await token_for(client, "office")
    handler = await token_for(client, "handler")
    duty = await create_duty(client, office)
    pdf, docx = pdf_bytes(), docx_bytes()

    first = await upload(client, handler, duty["id"], "sanitation-office", pdf, "工作计划.pdf")
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "on_time"
    assert first.json()["answer"] | {"uploaded_at": None} == {
        "version": 1,
        "filename": "工作计划.pdf",
        "media_type": "application/pdf",
        "size_bytes": len(pdf),
        "sha256": first.json()["answer"]["sha256"],
        "uploaded_at": None,
        "uploaded_by": "handler",
        "late": False,
        "file": f"/api/v1/duties/{duty['id']}/answers/sanitation-office/file?version=1",
    }
    # The same file again (a retried upload) is no new version.
    again = await upload(client, handler, duty["id"], "sanitation-office", pdf, "工作计划.pdf")
    assert again.status_code == 200 and again.json()["answer"]["version"] == 1

    # Named .doc by mistake: the type comes from the content, and the name gets the right extension.
    second = await upload(client, handler, duty["id"], "sanitation-office", docx, "plan.doc")
    assert second.status_code == 201
    assert second.json()["answer"]["version"] == 2
    assert second.json()["answer"]["media_type"] == DOCX
    assert second.json()["answer"]["filename"] == "plan.docx"

    latest = await client.get(f"/api/v1/duties/{duty['id']}/answers/sanitation-office/file", headers=handler)
    assert latest.status_code == 200
    assert latest.content == docx
    assert latest.headers["content-type"].startswith(DOCX)
    assert latest.headers["x-content-type-options"] == "nosniff"
    assert latest.headers["content-disposition"].startswith("attachment;")
    with zipfile.ZipFile(io.BytesIO(latest.content)) as z:
        assert b"Self-report" in z.read("word/document.xml")

    older = await client.get(
        f"/api/v1/duties/{duty['id']}/answers/sanitation-office/file", params={"version": 1}, headers=office
    )
    assert older.content == pdf
    assert older.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''%E5%B7%A5%E4%BD%9C%E8%AE%A1%E5%88%92.pdf" in older.headers["content-disposition"]

    seen = (await client.get(f"/api/v1/duties/{duty['id']}", headers=office)).json()
    row = next(a for a in seen["answers"] if a["unit"] == "sanitation-office")
    assert [v["version"] for v in row["versions"]] == [1, 2]
    assert row["status"] == "on_time"

    # An XLSX answers too, and reads back as the workbook sent.
    muck = await token_for(client, "handler-muck")
    sheet = await upload(client, muck, duty["id"], "muck-office", xlsx_bytes(), "plan.xlsx")
    assert sheet.status_code == 201
    book = await client.get(f"/api/v1/duties/{duty['id']}/answers/muck-office/file", headers=office)
    ws = load_workbook(io.BytesIO(book.content)).active
    assert [c.value for c in ws[2]] == ["patrols", 6]

    db = Database(settings)
    try:
        actions = [
            r[0]
            for r in await db_rows(
                db, "SELECT action FROM audit_entries WHERE object_type = 'duty_answer' ORDER BY seq"
            )
        ]
        assert actions == ["duty.answered", "duty.answer_replaced", "duty.answered"]
        assert (await verify(db)).intact
        stored = sorted(p.name for p in (settings.data_dir / "duties").rglob("*") if p.is_file())
        assert len(stored) == 3 and not [n for n in stored if n.endswith(".tmp")]
    finally:
        await db.dispose()


async def test_an_answer_after_the_end_of_the_deadlines_day_is_late_and_an_answer_given_stays(
    client, monkeypatch
):
    office = await token_for(client, "office")
    duty = await create_duty(client, office, due=in_days(3))
    deadline = deadline_of(date.fromisoformat(duty["deadline"]), "Asia/Shanghai")
    assert duty["due_at"] == deadline.isoformat()
    clock = Clock(monkeypatch)

    clock.now = deadline - timedelta(seconds=1)
    handler = await token_for(client, "handler")
    on_time = await upload(client, handler, duty["id"], "sanitation-office", pdf_bytes(), "a.pdf")
    assert on_time.json()["status"] == "on_time" and on_time.json()["answer"]["late"] is False

    clock.now = deadline
    muck = await token_for(client, "handler-muck")
    late = await upload(client, muck, duty["id"], "muck-office", pdf_bytes("late"), "b.pdf")
    assert late.status_code == 201
    assert late.json()["status"] == "late" and late.json()["answer"]["late"] is True
    # Past the deadline an answer given is not replaced.
    replaced = await upload(client, handler, duty["id"], "sanitation-office", docx_bytes(), "c.docx")
    assert replaced.status_code == 409
    assert replaced.json()["error"] == "deadline_passed"

    seen = (await client.get(f"/api/v1/duties/{duty['id']}", headers=office)).json()
    assert {a["unit"]: a["status"] for a in seen["answers"]} == {
        "sanitation-office": "on_time",
        "muck-office": "late",
        "dust-office": "overdue",
    }
    assert seen["counts"] == {"on_time": 1, "late": 1, "missing": 0, "overdue": 1}


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "plan.pdf"),
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "plan.pdf"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "plan.docx"),
        (b"%PDF-1.4\n1 0 obj\n", "cut-short.pdf"),
        (b"PK\x03\x04 not really a zip", "plan.xlsx"),
        (b"", "empty.pdf"),
    ],
)
async def test_a_file_that_is_not_a_document_is_refused_whatever_its_name(client, settings, content, name):
    office = await token_for(client, "office")
    handler = await token_for(client, "handler")
    duty = await create_duty(client, office)
    response = await upload(client, handler, duty["id"], "sanitation-office", content, name)
    assert response.status_code == 415, response.text
    assert response.json()["errors"][0]["field"] == "file"
    db = Database(settings)
    try:
        assert await db_rows(db, "SELECT id FROM duty_answers") == []
    finally:
        await db.dispose()
    assert not (settings.data_dir / "duties").exists()


async def test_a_zip_that_is_not_word_or_excel_and_a_macro_workbook_are_refused(client):
    office = await token_for(client, "office")
    handler = await token_for(client, "handler")
    duty = await create_duty(client, office)
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("notes.txt", "hello")
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as z:
        z.writestr("[Content_Types].xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/vbaProject.bin", b"\x00")
    for data in (plain.getvalue(), macro.getvalue()):
        response = await upload(client, handler, duty["id"], "sanitation-office", data, "plan.xlsx")
        assert response.status_code == 415


async def test_a_file_over_the_set_limit_is_refused_with_413(settings):
    small = settings.with_(max_duty_file_bytes=2048)
    async with AsyncTestClient(app=create_app(small), base_url="http://testserver.local") as client:
        office = await token_for(client, "office")
        handler = await token_for(client, "handler")
        duty = await create_duty(client, office)
        big = pdf_bytes("x" * 100) + b"%" + b"0" * 3000 + b"\n%%EOF\n"
        response = await upload(client, handler, duty["id"], "sanitation-office", big, "big.pdf")
        assert response.status_code == 413
        assert response.json()["errors"][0]["field"] == "file"
        fits = await upload(client, handler, duty["id"], "sanitation-office", pdf_bytes(), "small.pdf")
        assert fits.status_code == 201


async def test_another_units_answer_is_not_found_and_the_wrong_roles_are_refused(client):
    office = await token_for(client, "office")
    handler = await token_for(client, "handler")
    muck = await token_for(client, "handler-muck")
    duty = await create_duty(client, office)
    assert (
        await upload(client, handler, duty["id"], "sanitation-office", pdf_bytes(), "a.pdf")
    ).status_code == 201

    url = f"/api/v1/duties/{duty['id']}/answers/sanitation-office"
    assert (await client.get(f"{url}/file", headers=muck)).status_code == 404
    assert (
        await upload(client, muck, duty["id"], "sanitation-office", pdf_bytes(), "x.pdf")
    ).status_code == 404
    # The office sees every answer but gives only its own unit's.
    assert (await client.get(f"{url}/file", headers=office)).status_code == 200
    assert (
        await upload(client, office, duty["id"], "sanitation-office", pdf_bytes(), "x.pdf")
    ).status_code == 403
    duties = (await client.get("/api/v1/duties", headers=office)).json()
    report = next(d for d in duties if d["code"] == "bureau-report")
    own = await upload(client, office, report["id"], "duty-office", docx_bytes("The report"), "report.docx")
    assert own.status_code == 201 and own.json()["answer"]["uploaded_by"] == "office"

    officer = await token_for(client, "officer")
    supervisor = await token_for(client, "supervisor")
    lead = await token_for(client, "lead")
    for who in (officer, supervisor):
        assert (await client.get("/api/v1/duties", headers=who)).status_code == 403
        assert (await client.get(f"{url}/file", headers=who)).status_code == 403
    for who in (handler, lead):
        assert (await client.post("/api/v1/duties", json=duty_body(code="x"), headers=who)).status_code == 403
    assert (
        await upload(client, lead, duty["id"], "sanitation-office", pdf_bytes(), "x.pdf")
    ).status_code == 403


async def test_a_lead_sees_the_units_of_their_campaigns(client):
    office = await token_for(client, "office")
    duty = await create_duty(client, office)
    handler = await token_for(client, "handler")
    await upload(client, handler, duty["id"], "sanitation-office", pdf_bytes(), "a.pdf")
    lead = await token_for(client, "lead")  # leads the sanitation campaign
    seen = (await client.get(f"/api/v1/duties/{duty['id']}", headers=lead)).json()
    assert [a["unit"] for a in seen["answers"]] == ["sanitation-office"]
    url = f"/api/v1/duties/{duty['id']}/answers"
    assert (await client.get(f"{url}/sanitation-office/file", headers=lead)).status_code == 200
    lead_muck = await token_for(client, "lead-muck")
    assert (await client.get(f"{url}/sanitation-office/file", headers=lead_muck)).status_code == 404


async def test_the_office_matrix_shows_each_units_status_and_filters_the_late(client, monkeypatch):
    office = await token_for(client, "office")
    handler, muck = await token_for(client, "handler"), await token_for(client, "handler-muck")
    # Duties of a year gone by, on a clock held in its June: the current year's seeded duties are
    # not in the matrix, and no new year falls between the two deadlines whatever the day today.
    year = date.today().year - 2
    past = await create_duty(client, office, code="past", due=date(year, 6, 10), year=year)
    future = await create_duty(client, office, code="future", due=date(year, 6, 20), year=year)
    clock = Clock(monkeypatch)
    deadline = datetime.fromisoformat(past["due_at"])
    clock.now = deadline - timedelta(days=1)
    await upload(client, handler, past["id"], "sanitation-office", pdf_bytes(), "a.pdf")
    clock.now = deadline + timedelta(days=1)  # the matrix is read on this day too
    await upload(client, muck, past["id"], "muck-office", pdf_bytes("b"), "b.pdf")
    await upload(client, muck, future["id"], "muck-office", pdf_bytes("c"), "c.pdf")

    await login(client, "office")
    html = parse((await client.get("/duties", params={"year": year})).text)
    table = html.one("table", data_duty_matrix="")
    columns = [th.attrs["data-duty"] for th in table.find_all("th") if "data-duty" in th.attrs]
    statuses = {
        tr.attrs["data-unit"]: [td.attrs.get("data-status") for td in tr.find_all("td")]
        for tr in table.find_all("tr")
        if "data-unit" in tr.attrs
    }
    at = {code: columns.index(code) for code in ("past", "future")}
    assert statuses["sanitation-office"][at["past"]] == "on_time"
    assert statuses["muck-office"][at["past"]] == "late"
    assert statuses["dust-office"][at["past"]] == "overdue"
    assert statuses["dust-office"][at["future"]] == "missing"
    assert statuses["muck-office"][at["future"]] == "on_time"
    counts = table.one("td", data_counts="past").text.split()
    assert counts == ["1", "1", "0", "1"]

    late = parse((await client.get("/duties", params={"year": year, "late": "1"})).text)
    units = [tr.attrs["data-unit"] for tr in late.find_all("tr") if "data-unit" in tr.attrs]
    assert units == ["dust-office", "muck-office"]
