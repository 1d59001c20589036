"""The pages of what follows from a rating: the office acts from the results of a period, the unit
answers its notice with a document, each form re-rendered with its errors when refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from conftest import csrf_from, login
from server.app import create_app
from tests.test_consequences import PERIOD, rate_units

pytestmark = pytest.mark.anyio


async def test_the_office_issues_a_notice_from_the_results_and_the_unit_answers_it(client, settings):
    await rate_units(client)
    csrf = await login(client, "office")
    results = await client.get(f"/assessment/results?period={PERIOD}")
    assert results.status_code == 200 and 'data-unit="dust-office" data-rating="unqualified"' in results.text
    unit_page = await client.get(f"/assessment/results/{PERIOD}/dust-office")
    assert "集中民主评议得分8.44分" in unit_page.text  # the problems, prefilled from the score
    action = f"/assessment/results/{PERIOD}/dust-office/notice"
    refused = await client.post(
        action, data={"_csrf": csrf, "deadline": "2020-01-01", "problems": "台账不全"}
    )
    assert refused.status_code == 422 and 'class="field-error"' in refused.text
    assert "台账不全" in refused.text  # what was typed is kept
    qualified = await client.post(
        f"/assessment/results/{PERIOD}/sanitation-office/notice",
        data={"_csrf": csrf, "deadline": (datetime.now(UTC) + timedelta(days=10)).date().isoformat()},
    )
    assert qualified.status_code == 422 and 'name="override_reason"' in qualified.text
    deadline = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    issued = await client.post(
        action, data={"_csrf": csrf, "deadline": deadline, "problems": "台账不全"}, follow_redirects=False
    )
    assert issued.status_code == 303
    notice_url = issued.headers["location"]
    page = await client.get(notice_url)
    assert "台账不全" in page.text and "建筑工地扬尘治理办公室" in page.text

    unit = AsyncTestClient(app=create_app(settings), base_url="http://testserver.local")
    async with unit:
        csrf_unit = await login(unit, "handler-dust")
        mine = await unit.get("/assessment/notices")
        assert notice_url in mine.text
        form_page = await unit.get(notice_url)
        assert 'enctype="multipart/form-data"' in form_page.text
        hostile = await unit.post(
            f"{notice_url}/answer",
            data={"_csrf": csrf_from(form_page.text), "answer": "见附件"},
            files={"document": ("a.pdf", b"<script>alert(1)</script>", "application/pdf")},
        )
        assert hostile.status_code == 415 and "见附件" in hostile.text
        answered = await unit.post(
            f"{notice_url}/answer",
            data={"_csrf": csrf_unit, "answer": "已整改"},
            files={"document": ("报告.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
            follow_redirects=False,
        )
        assert answered.status_code == 303
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as other:
        await login(other, "handler-muck")
        assert (await other.get(notice_url)).status_code == 404
        assert (await other.get(f"/assessment/results?period={PERIOD}")).status_code == 403

    decided = await client.post(f"{notice_url}/decide", data={"_csrf": csrf, "outcome": "return"})
    assert decided.status_code == 422  # a return needs a note
    accepted = await client.post(
        f"{notice_url}/decide", data={"_csrf": csrf, "outcome": "accept"}, follow_redirects=False
    )
    assert accepted.status_code == 303
    assert "报告.pdf" in (await client.get(notice_url)).text


async def test_the_office_records_an_interview_eligibility_and_praise_by_form(client):
    await rate_units(client)
    csrf = await login(client, "office")
    held = (datetime.now(UTC) - timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    base = f"/assessment/results/{PERIOD}"
    interview = await client.post(
        f"{base}/dust-office/interview",
        data={
            "_csrf": csrf,
            "held_at": held,
            "interviewee": "孙主任",
            "interviewers": "马丽华",
            "summary": "约谈",
        },
        follow_redirects=False,
    )
    assert interview.status_code == 303, interview.text
    empty = await client.post(f"{base}/dust-office/eligibility", data={"_csrf": csrf, "reason": ""})
    assert empty.status_code == 422
    lost = await client.post(
        f"{base}/dust-office/eligibility",
        data={"_csrf": csrf, "reason": "考核不合格"},
        follow_redirects=False,
    )
    assert lost.status_code == 303
    praise = await client.post(
        f"{base}/muck-office/praise", data={"_csrf": csrf, "text": "通报表彰"}, follow_redirects=False
    )
    assert praise.status_code == 303
    page = (await client.get(f"{base}/dust-office")).text
    assert "孙主任" in page and "考核不合格" in page
    no_csrf = await client.post(f"{base}/muck-office/praise", data={"text": "x"})
    assert no_csrf.status_code == 403
