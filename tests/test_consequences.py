"""What follows from a rating (检查结果运用): the unit rectification notice, numbered per year and
answered by the unit; the interview; the loss of award eligibility; praise. Through the API as a
program drives it, every record audited."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from conftest import PG_URL
from server.app import build_services
from server.assessment.consequences import ConsequenceService
from server.audit.verify import verify
from server.db import Database
from tests.helpers_duties import docx_bytes as real_docx
from tests.helpers_findings import auth, db_rows, future
from tests.support import fixture_photo

pytestmark = pytest.mark.anyio

PERIOD = "2026"
# Democratic votes alone rate the units (docs/scores.md): dust-office 8.44 (unqualified),
# sanitation-office 80 (qualified), muck-office 100 (excellent).
VOTES = {
    "dust-office": {"satisfied": 2, "basically_satisfied": 3, "unsatisfied": 40},
    "sanitation-office": {"satisfied": 30, "basically_satisfied": 10, "unsatisfied": 5},
    "muck-office": {"satisfied": 50, "basically_satisfied": 0, "unsatisfied": 0},
}
NUMBER = re.compile(r"^十城管督改〔(\d{4})〕第(\d+)号$")


async def rate_units(client: Any) -> dict[str, str]:
    office = await auth(client, "office")
    for unit, votes in VOTES.items():
        response = await client.put(f"/api/v1/evaluations/{PERIOD}/{unit}", json=votes, headers=office)
        assert response.status_code == 201, response.text
    scores = await client.get(f"/api/v1/scores?period={PERIOD}", headers=office)
    return {row["unit"]: row["rating"] for row in scores.json()}


async def issue(client: Any, unit: str = "dust-office", **extra: Any) -> Any:
    body = {"period": PERIOD, "unit": unit, "deadline": future(14), **extra}
    return await client.post("/api/v1/assessment/notices", json=body, headers=await auth(client, "office"))


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def audit_actions(settings: Any, object_type: str) -> list[str]:
    db = Database(settings)
    try:
        rows = await db_rows(
            db, "SELECT action FROM audit_entries WHERE object_type = :t ORDER BY seq", t=object_type
        )
        report = await verify(db)
        assert report.intact, report.first_break
        return [row[0] for row in rows]
    finally:
        await db.dispose()


async def test_a_notice_to_an_unqualified_unit_is_numbered_printed_answered_and_accepted(client, settings):
    ratings = await rate_units(client)
    assert ratings == {**ratings, "dust-office": "unqualified", "sanitation-office": "qualified"}

    first, second = await issue(client), await issue(client, problems="扬尘防治台账不全。")
    assert first.status_code == second.status_code == 201, first.text
    one, two = first.json(), second.json()
    year = datetime.now(UTC).astimezone().year
    (y1, n1), (y2, n2) = NUMBER.match(one["number"]).groups(), NUMBER.match(two["number"]).groups()
    assert int(y1) == int(y2) == year and (int(n1), int(n2)) == (1, 2)
    assert (
        one["status"] == "issued" and one["rating"] == "unqualified" and one["unit"]["code"] == "dust-office"
    )
    # Prefilled from the score: the composite, the rating and the part below the qualified band.
    assert "综合得分8.44分" in one["problems"] and "集中民主评议得分8.44分" in one["problems"]
    assert "第三方监督：本期无数据" in one["problems"]
    assert two["problems"] == "扬尘防治台账不全。"

    handler = await auth(client, "handler-dust")
    pdf = await client.get(one["pdf"], headers=handler)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    deadline = datetime.fromisoformat(one["deadline"]).astimezone(datetime.fromisoformat(future(0)).tzinfo)
    assert one["number"] in text and "建筑工地扬尘治理办公室" in text
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in text

    answered = await client.post(
        f"/api/v1/assessment/notices/{one['id']}/answer",
        data={"answer": "已完成扬尘治理台账整改。"},
        files={"document": ("整改报告.pdf", pdf.content, "application/octet-stream")},
        headers=handler,
    )
    assert answered.status_code == 201 or answered.status_code == 200, answered.text
    body = answered.json()
    assert body["status"] == "answered" and body["answered_by"] == "handler-dust"
    assert body["document"]["media_type"] == "application/pdf" and body["document"]["name"] == "整改报告.pdf"
    stored = await client.get(body["document"]["url"], headers=await auth(client, "office"))
    assert stored.content == pdf.content and stored.headers["x-content-type-options"] == "nosniff"

    office = await auth(client, "office")
    accepted = await client.post(f"/api/v1/assessment/notices/{one['id']}/accept", json={}, headers=office)
    assert accepted.status_code in (200, 201) and accepted.json()["status"] == "accepted"
    again = await client.post(f"/api/v1/assessment/notices/{one['id']}/accept", json={}, headers=office)
    assert again.status_code == 409
    assert await audit_actions(settings, "unit_notice") == [
        "unit_notice.issued",
        "unit_notice.issued",
        "unit_notice.answered",
        "unit_notice.accepted",
    ]


async def test_a_returned_answer_is_answered_again_with_a_word_document(client):
    await rate_units(client)
    notice = (await issue(client)).json()
    handler, office = await auth(client, "handler-dust"), await auth(client, "office")
    url = f"/api/v1/assessment/notices/{notice['id']}"
    assert (await client.post(f"{url}/answer", json={"answer": "已整改"}, headers=handler)).status_code in (
        200,
        201,
    )
    no_note = await client.post(f"{url}/return", json={}, headers=office)
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    returned = await client.post(f"{url}/return", json={"note": "请补充整改照片"}, headers=office)
    assert returned.json()["status"] == "returned" and returned.json()["decision_note"] == "请补充整改照片"
    again = await client.post(
        f"{url}/answer",
        data={"answer": "已补充"},
        files={"document": ("report.bin", real_docx(), "application/pdf")},
        headers=handler,
    )
    assert again.json()["status"] == "answered"
    assert again.json()["document"]["name"] == "report.docx"


async def test_a_unit_sees_only_its_own_notices_and_a_lead_those_of_their_campaigns(client):
    await rate_units(client)
    notice = (await issue(client)).json()
    url = f"/api/v1/assessment/notices/{notice['id']}"
    assert (await client.get(url, headers=await auth(client, "handler-dust"))).status_code == 200
    assert (await client.get(url, headers=await auth(client, "lead-dust"))).status_code == 200
    other = await auth(client, "handler-muck")
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.get(f"{url}/notice.pdf", headers=other)).status_code == 404
    assert (await client.get("/api/v1/assessment/notices", headers=other)).json() == []
    assert (await client.get("/api/v1/assessment/notices?unit=dust-office", headers=other)).status_code == 403
    assert (await client.get("/api/v1/assessment/notices?unit=%00x", headers=other)).status_code == 403
    answer = await client.post(f"{url}/answer", json={"answer": "x"}, headers=other)
    assert answer.status_code == 404
    for username in ("officer", "supervisor"):
        assert (await client.get(url, headers=await auth(client, username))).status_code == 403
    listed = await client.get(
        f"/api/v1/assessment/notices?period={PERIOD}", headers=await auth(client, "lead-dust")
    )
    assert [n["id"] for n in listed.json()] == [notice["id"]]


async def test_a_notice_for_a_qualified_unit_needs_an_override_reason(client, settings):
    await rate_units(client)
    refused = await issue(client, unit="sanitation-office")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["override_reason"]
    assert await audit_actions(settings, "unit_notice") == []
    allowed = await issue(client, unit="sanitation-office", override_reason="暗访发现问题突出，经局务会研究")
    assert allowed.status_code == 201
    assert allowed.json()["rating"] == "qualified" and allowed.json()["override_reason"].startswith("暗访")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"unit": "no-such-unit"}, "unit"),
        ({"unit": "bureau"}, "unit"),
        ({"unit": "DUST-OFFICE"}, "unit"),
        ({"deadline": "2020-01-01T00:00:00+08:00"}, "deadline"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"deadline": "tomorrow"}, "deadline"),
        ({"period": "2026-13"}, "period"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_notices_are_refused_by_field(client, extra, field):
    await rate_units(client)
    response = await issue(client, **extra)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_only_the_office_writes(client):
    await rate_units(client)
    body = {"period": PERIOD, "unit": "dust-office", "deadline": future(14)}
    for username in ("handler-dust", "lead-dust", "officer"):
        headers = await auth(client, username)
        for path in ("notices", "interviews", "eligibility", "praise"):
            response = await client.post(f"/api/v1/assessment/{path}", json=body, headers=headers)
            assert response.status_code == 403, (username, path)
    notice = (await issue(client)).json()
    handler = await auth(client, "handler-dust")
    await client.post(
        f"/api/v1/assessment/notices/{notice['id']}/answer", json={"answer": "ok"}, headers=handler
    )
    own_accept = await client.post(
        f"/api/v1/assessment/notices/{notice['id']}/accept", json={}, headers=handler
    )
    assert own_accept.status_code == 403


async def test_hostile_and_oversize_documents_are_refused_and_nothing_is_kept(client, settings):
    await rate_units(client)
    notice = (await issue(client)).json()
    handler = await auth(client, "handler-dust")
    url = f"/api/v1/assessment/notices/{notice['id']}/answer"
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("evil.exe", b"MZ")
    for name, data, status in (
        ("answer.pdf", b"<html><script>alert(1)</script></html>", 415),
        ("answer.docx", zipped.getvalue(), 415),
        ("answer.docx", b"MZ\x90\x00" + b"\x00" * 100, 415),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (settings.max_document_bytes + 10), 413),
    ):
        response = await client.post(
            url,
            data={"answer": "见附件"},
            files={"document": (name, data, "application/pdf")},
            headers=handler,
        )
        assert response.status_code == status, (name, response.text)
        assert response.json()["errors"][0]["field"] == "document"
    state = await client.get(f"/api/v1/assessment/notices/{notice['id']}", headers=handler)
    assert state.json()["status"] == "issued" and state.json()["document"] is None
    assert not (settings.document_dir).exists() or not any(settings.document_dir.rglob("*"))
    image = await client.post(
        url,
        data={"answer": "见照片"},
        files={"document": ("photo.pdf", fixture_photo(_a_jpeg()), "application/pdf")},
        headers=handler,
    )
    assert image.json()["document"]["media_type"] == "image/jpeg"
    assert image.json()["document"]["name"] == "photo.jpg"


def _a_jpeg() -> str:
    from tests.support import photo_fixture_names

    return next(name for name in photo_fixture_names() if name.lower().endswith((".jpg", ".jpeg")))


async def test_interview_eligibility_and_praise_are_audited_records(client, settings):
    await rate_units(client)
    office = await auth(client, "office")
    held = (datetime.now(UTC) - timedelta(days=2)).astimezone().isoformat()
    interview = await client.post(
        "/api/v1/assessment/interviews",
        json={
            "period": PERIOD,
            "unit": "dust-office",
            "held_at": held,
            "interviewee": "孙主任（主要负责人）",
            "interviewers": "马丽华、王志强",
            "summary": "指出扬尘治理考核不合格的问题，要求一个月内整改。",
            "follow_up": "下月复查",
        },
        headers=office,
    )
    assert interview.status_code == 201, interview.text
    assert (
        interview.json()["interviewee"] == "孙主任（主要负责人）"
        and interview.json()["recorded_by"] == "office"
    )
    future_meeting = await client.post(
        "/api/v1/assessment/interviews",
        json={
            "period": PERIOD,
            "unit": "dust-office",
            "held_at": future(3),
            "interviewee": "a",
            "interviewers": "b",
            "summary": "c",
        },
        headers=office,
    )
    assert future_meeting.status_code == 422 and future_meeting.json()["errors"][0]["field"] == "held_at"

    lost = await client.post(
        "/api/v1/assessment/eligibility",
        json={"period": PERIOD, "unit": "dust-office", "reason": "年度考核不合格"},
        headers=office,
    )
    assert lost.status_code == 201 and lost.json()["year"] == 2026 and lost.json()["rating"] == "unqualified"
    twice = await client.post(
        "/api/v1/assessment/eligibility",
        json={"period": "2026-Q4", "unit": "dust-office", "reason": "again", "override_reason": "x"},
        headers=office,
    )
    assert twice.status_code == 409
    qualified = await client.post(
        "/api/v1/assessment/eligibility",
        json={"period": PERIOD, "unit": "sanitation-office", "reason": "r"},
        headers=office,
    )
    assert qualified.status_code == 422 and qualified.json()["errors"][0]["field"] == "override_reason"

    praised = await client.post(
        "/api/v1/assessment/praise",
        json={"period": PERIOD, "unit": "muck-office", "text": "成绩突出，予以通报表彰。"},
        headers=office,
    )
    assert praised.status_code == 201 and praised.json()["rating"] == "excellent"
    not_excellent = await client.post(
        "/api/v1/assessment/praise",
        json={"period": PERIOD, "unit": "sanitation-office", "text": "好"},
        headers=office,
    )
    assert (
        not_excellent.status_code == 422 and not_excellent.json()["errors"][0]["field"] == "override_reason"
    )

    assert await audit_actions(settings, "interview") == ["interview.recorded"]
    assert await audit_actions(settings, "eligibility_loss") == ["eligibility.removed"]
    assert await audit_actions(settings, "praise") == ["praise.recorded"]

    # The unit reads its own records, never another's; the bulletins read them all.
    mine = await client.get(
        f"/api/v1/assessment/consequences?period={PERIOD}", headers=await auth(client, "handler-dust")
    )
    assert len(mine.json()["interviews"]) == 1 and mine.json()["praises"] == []
    theirs = await client.get(
        f"/api/v1/assessment/consequences?period={PERIOD}", headers=await auth(client, "handler-muck")
    )
    assert theirs.json()["interviews"] == [] and len(theirs.json()["praises"]) == 1
    db = Database(settings)
    try:
        service: ConsequenceService = build_services(settings, db)["consequences"]
        everything = await service.for_period("2026")
        assert {k: len(v) for k, v in everything.items() if k != "period"} == {
            "notices": 0,
            "interviews": 1,
            "eligibility_losses": 1,
            "praises": 1,
        }
        assert (await service.for_period("2026-10"))["praises"] == []
    finally:
        await db.dispose()


async def test_overdue_notices_are_listed_for_the_office(client, settings):
    await rate_units(client)
    notice = (await issue(client)).json()
    db = Database(settings)
    try:
        async with db.write() as session:
            from sqlalchemy import update

            from server.models import UnitNotice

            await session.execute(
                update(UnitNotice)
                .where(UnitNotice.id == notice["id"])
                .values(deadline=datetime.now(UTC) - timedelta(days=1))
            )
    finally:
        await db.dispose()
    overdue = await client.get(
        "/api/v1/assessment/notices?overdue=true", headers=await auth(client, "office")
    )
    assert [n["number"] for n in overdue.json()] == [notice["number"]] and overdue.json()[0][
        "overdue"
    ] is True


@pytest.mark.skipif(
    not PG_URL, reason="concurrent writers are serialised by SQLite's write lock; PG is the real test"
)
async def test_concurrent_notices_take_unique_numbers_without_gaps(client, settings):
    await rate_units(client)
    responses = await asyncio.gather(*(issue(client) for _ in range(12)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    numbers = sorted(int(NUMBER.match(r.json()["number"]).group(2)) for r in responses)
    assert numbers == list(range(1, 13))
