"""Bulletins (docs/bulletins.md): a month of known records, recorded through the app's own APIs,
and the figures a bulletin gives of them, as JSON, in its XLSX and in its PDF's text; a published
bulletin that does not change when the records do; bad input and who may read what."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text

from server.audit.verify import verify as verify_trail
from server.bulletins.sections import chinese_numeral
from server.db import Database
from server.settings import Settings
from tests.helpers_complaints import settled
from tests.helpers_findings import (
    assign,
    auth,
    covert_finding,
    db_rows,
    future,
    new_finding,
    plain_jpeg,
    rectify,
    update_finding,
    verify,
)

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("Asia/Shanghai")
A = "sanitation-office"
A_ZH = "市环境卫生管理处"


def this_month() -> date:
    # The records below are made in the last two hours: the month they fall in, in the bureau's zone.
    return (datetime.now(UTC) - timedelta(hours=3)).astimezone(ZONE).date().replace(day=1)


def month_key() -> str:
    return f"{this_month():%Y-%m}"


def after_the_month(client: Any) -> datetime:
    """Move the bulletins' clock to a minute after this month ends, so it may be reported."""
    first = this_month()
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    moment = datetime.combine(following, time(0, 1), tzinfo=ZONE).astimezone(UTC)
    client.app.state.bulletins.clock = lambda: moment
    return moment


async def scenario(client: Any, settings: Settings) -> dict[str, Any]:
    """Four findings, a covert one, a complaint: what each figure below is computed from."""
    far = future(60)  # no deadline of these passes before the bulletins' clock
    closed = await new_finding(client, photos=[plain_jpeg()])
    await assign(client, closed, deadline=far)
    await rectify(client, closed)
    await verify(client, closed, "close")
    late = await new_finding(client)
    await assign(client, late, deadline=far)
    submitted = await new_finding(client)
    await assign(client, submitted, deadline=far)
    await rectify(client, submitted)
    unassigned = await new_finding(client, campaign="muck")
    # An unannounced check not yet disclosed: it counts nowhere.
    await covert_finding(client)
    db = Database(settings)
    try:
        deadline = datetime.now(UTC) - timedelta(days=1)
        await update_finding(db, late, deadline=deadline)
    finally:
        await db.dispose()
    await settled(client, A)
    return {
        "closed": closed,
        "late": late,
        "submitted": submitted,
        "unassigned": unassigned,
        "deadline": deadline,
    }


async def draft(client: Any, body: dict[str, Any], user: str = "office") -> Any:
    return await client.post("/api/v1/bulletins", json=body, headers=await auth(client, user))


async def get(client: Any, path: str, user: str = "office") -> Any:
    return await client.get(path, headers=await auth(client, user))


def rate(numerator: int, denominator: int) -> dict[str, Any]:
    return {"numerator": numerator, "denominator": denominator, "value": numerator / denominator}


async def test_a_monthly_bulletin_counts_the_scenario(client, settings):
    records = await scenario(client, settings)
    clock = after_the_month(client)
    response = await draft(client, {"kind": "monthly", "period": month_key(), "campaign": None})
    assert response.status_code == 201, response.text
    bulletin = response.json()
    assert bulletin["status"] == "draft" and bulletin["published_at"] is None
    figures = bulletin["figures"]

    # Four patrols (the covert unannounced check is not disclosed: not counted).
    checks = {row["campaign"]: row for row in figures["checks"]["rows"]}
    assert checks["sanitation"]["patrol"] == 3 and checks["sanitation"]["total"] == 3
    assert checks["muck"]["patrol"] == 1
    assert figures["checks"]["total"] == {"patrol": 4, "unannounced": 0, "open": 0, "recheck": 0, "total": 4}

    by_campaign = {row["campaign"]: row for row in figures["findings"]["by_campaign"]}
    assert {k: by_campaign["sanitation"][k] for k in ("opened", "rectified", "closed", "overdue")} == {
        "opened": 3,
        "rectified": 2,
        "closed": 1,
        "overdue": 1,
    }
    assert by_campaign["muck"]["opened"] == 1 and by_campaign["muck"]["rectified"] == 0
    by_unit = {row["unit"]: row for row in figures["findings"]["by_unit"]}
    assert by_unit[A]["opened"] == 3 and by_unit[None]["opened"] == 1
    assert figures["findings"]["total"] == {"opened": 4, "rectified": 2, "closed": 1, "overdue": 1}

    handling = figures["handling"]
    assert handling["handling_rate"] == rate(2, 4)
    # Settled (closed, submitted) or past the deadline: 3; settled in time: 2.
    assert handling["on_time_rate"] == rate(2, 3)
    assert handling["closure_rate"] == rate(1, 4)
    assert handling["rework_rate"] == rate(0, 1)
    assert handling["overdue"] == 1

    assert figures["complaints"]["received"] == 1
    assert figures["complaints"]["completion_rate"] == rate(1, 1)
    assert figures["complaints"]["satisfaction_rate"] == rate(1, 1)

    (overdue,) = figures["overdue"]["rows"]
    assert figures["overdue"]["total"] == 1
    assert (
        overdue["finding"] == records["late"] and overdue["unit"] == A and overdue["campaign"] == "sanitation"
    )
    assert overdue["days_late"] == (clock - records["deadline"]).days

    # The ranking is the scores' own; praise and criticism follow from its ratings.
    scores = (await get(client, f"/api/v1/scores?period={month_key()}")).json()
    ranked = {row["unit"]: row for row in figures["ranking"]["rows"]}
    for row in scores:
        assert ranked[row["unit"]]["composite"] == row["composite"]["value"]
        assert ranked[row["unit"]]["rating"] == row["rating"]
    assert ranked[A]["rank"] == 1 and ranked[A]["rating"] == "excellent"
    assert [row["unit"] for row in figures["praise"]["rows"]] == [A]
    assert figures["criticism"]["rows"] == []

    (case,) = figures["cases"]["rows"]
    assert case["finding"] == records["closed"] and case["unit"] == A
    assert case["before"]["uuid"] != case["after"]["uuid"]
    # The page shows the case's photos to whoever may read the bulletin.
    photo = await get(client, f"/bulletins/{bulletin['id']}/photos/{case['after']['uuid']}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert (await get(client, f"/bulletins/{bulletin['id']}/photos/{records_uuid()}")).status_code == 404


def records_uuid() -> str:
    return "00000000-0000-4000-8000-000000000000"


def sheet_rows(book: Any, title: str) -> list[list[Any]]:
    return [list(row) for row in book[title].iter_rows(values_only=True)]


async def test_the_xlsx_and_pdf_hold_the_same_figures(client, settings):
    await scenario(client, settings)
    after_the_month(client)
    bulletin = (await draft(client, {"kind": "monthly", "period": month_key(), "campaign": None})).json()
    xlsx = await get(client, f"/api/v1/bulletins/{bulletin['id']}.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = sheet_rows(book, "问题发现和整改情况（按专项整治）")
    assert rows[0] == ["专项整治", "发现问题", "已整改", "已办结", "超期未整改"]
    sanitation = next(row for row in rows if row[0] == "环境卫生")
    assert sanitation[1:] == [3, 2, 1, 1] and all(isinstance(n, int) for n in sanitation[1:])
    assert rows[-1] == ["合计", 4, 2, 1, 1]
    handling = sheet_rows(book, "办理指标")
    on_time = next(row for row in handling if row[0] == "按期处置率")
    assert on_time[1:3] == [2, 3] and isinstance(on_time[3], float) and on_time[3] == pytest.approx(2 / 3)
    cell = next(c for c in book["办理指标"]["D"] if c.value == on_time[3])
    assert cell.number_format == "0.0%"
    ranking = sheet_rows(book, "单位考评排名")
    top = ranking[1]
    assert top[0] == 1 and top[1] == A_ZH and isinstance(top[2], float)

    pdf = await get(client, f"/api/v1/bulletins/{bulletin['id']}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = re.sub(r"\s", "", "".join(page.extract_text() for page in reader.pages))
    first = this_month()
    assert f"{first.year}年{first.month}月履职尽责督促检查月通报" in text
    for heading in (
        "一、检查开展情况",
        "二、问题发现和整改情况",
        "五、超期未整改问题",
        "九、典型案例",
        "通报表扬",
    ):
        assert heading in text, heading
    assert A_ZH in text and "草稿（未发布）" in text
    # The sanitation row of the findings table: 3 opened, 2 rectified, 1 closed, 1 overdue.
    assert "环境卫生3211" in text
    assert "66.7%" in text  # the on-time rate, 2 of 3


async def test_a_published_bulletin_does_not_change(client, settings):
    records = await scenario(client, settings)
    after_the_month(client)
    created = (await draft(client, {"kind": "monthly", "period": month_key(), "campaign": None})).json()
    other = (await draft(client, {"kind": "monthly", "period": month_key(), "campaign": "sanitation"})).json()
    published = await client.post(
        f"/api/v1/bulletins/{created['id']}/publish", headers=await auth(client, "office")
    )
    assert published.status_code == 200, published.text
    frozen = published.json()
    assert frozen["status"] == "published" and frozen["published_by"] and frozen["published_at"]
    xlsx_before = sheet_rows(
        load_workbook(io.BytesIO((await get(client, f"/api/v1/bulletins/{created['id']}.xlsx")).content)),
        "问题发现和整改情况（按专项整治）",
    )

    # The records change: the submitted finding is closed, a new one is opened.
    await verify(client, records["submitted"], "close")
    await new_finding(client)

    again = (await get(client, f"/api/v1/bulletins/{created['id']}")).json()
    assert again == frozen
    book = load_workbook(io.BytesIO((await get(client, f"/api/v1/bulletins/{created['id']}.xlsx")).content))
    assert sheet_rows(book, "问题发现和整改情况（按专项整治）") == xlsx_before
    # Twice is refused, and so is regenerating it.
    for action in ("publish", "regenerate"):
        refused = await client.post(
            f"/api/v1/bulletins/{created['id']}/{action}", headers=await auth(client, "office")
        )
        assert refused.status_code == 409, refused.text
    # A draft regenerated sees the change.
    regenerated = await client.post(
        f"/api/v1/bulletins/{other['id']}/regenerate", headers=await auth(client, "office")
    )
    assert regenerated.status_code == 200
    assert other["figures"]["findings"]["total"]["closed"] == 1
    # The campaign bulletin holds its campaign only: the muck finding is not in it.
    assert [row["campaign"] for row in other["figures"]["findings"]["by_campaign"]] == ["sanitation"]
    assert [row["campaign"] for row in other["figures"]["checks"]["rows"]] == ["sanitation"]
    assert other["title"].endswith("环境卫生专项整治月通报") and other["campaign"] == "sanitation"
    assert regenerated.json()["figures"]["findings"]["total"] == {
        "opened": 4,
        "rectified": 2,
        "closed": 2,
        "overdue": 1,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "monthly", "period": "2026-Q3", "campaign": None}, "period"),
        ({"kind": "quarterly", "period": "2026-10", "campaign": None}, "period"),
        ({"kind": "annual", "period": "2026-10"}, "period"),
        ({"kind": "weekly", "period": "2025-10"}, "kind"),
        ({"kind": "monthly", "period": "2025-13"}, "period"),
        ({"kind": "monthly", "period": "2025-10", "campaign": "no-such"}, "campaign"),
        ({"kind": "monthly", "period": "2025-10", "campaign": 7}, "campaign"),
        ({"kind": "monthly", "period": "2025-10", "colour": "red"}, "colour"),
    ],
)
async def test_bad_drafts_name_their_field(client, body, field):
    response = await draft(client, body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_a_period_not_yet_ended_is_refused(client):
    now = datetime.now(UTC).astimezone(ZONE)
    for kind, period in (("monthly", f"{now:%Y-%m}"), ("annual", f"{now.year}")):
        response = await draft(client, {"kind": kind, "period": period, "campaign": None})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "period"
    assert (await get(client, "/api/v1/bulletins")).json() == []


async def test_who_may_draft_and_read(client):
    for user in ("lead", "handler", "officer", "supervisor"):
        assert (await draft(client, {"kind": "annual", "period": "2025"}, user)).status_code == 403
    bureau = (await draft(client, {"kind": "annual", "period": "2025"})).json()
    sanitation = (await draft(client, {"kind": "annual", "period": "2025", "campaign": "sanitation"})).json()
    # Drafts: the office, and the lead of the campaign, no one else.
    assert (await get(client, f"/api/v1/bulletins/{sanitation['id']}", "lead")).status_code == 200
    for user in ("lead-muck", "handler"):
        assert (await get(client, f"/api/v1/bulletins/{sanitation['id']}", user)).status_code == 404
        assert (await get(client, f"/api/v1/bulletins/{sanitation['id']}.pdf", user)).status_code == 404
    for user in ("lead", "handler"):
        assert (await get(client, f"/api/v1/bulletins/{bureau['id']}", user)).status_code == 404
    assert [b["id"] for b in (await get(client, "/api/v1/bulletins", "lead")).json()] == [sanitation["id"]]
    assert (await get(client, "/api/v1/bulletins", "handler")).json() == []
    for user in ("officer", "supervisor"):
        assert (await get(client, "/api/v1/bulletins", user)).status_code == 403
        assert (await get(client, f"/api/v1/bulletins/{bureau['id']}", user)).status_code == 403
    # Published: every lead and unit.
    await client.post(f"/api/v1/bulletins/{bureau['id']}/publish", headers=await auth(client, "office"))
    for user in ("lead", "lead-muck", "handler"):
        assert (await get(client, f"/api/v1/bulletins/{bureau['id']}", user)).status_code == 200
    assert (await get(client, "/api/v1/bulletins/nothing.pdf")).status_code == 404
    assert (await get(client, "/api/v1/bulletins/999999")).status_code == 404


async def test_drafting_and_publishing_are_in_the_audit_trail(client, settings):
    created = (await draft(client, {"kind": "annual", "period": "2025"})).json()
    await client.post(f"/api/v1/bulletins/{created['id']}/regenerate", headers=await auth(client, "office"))
    await client.post(f"/api/v1/bulletins/{created['id']}/publish", headers=await auth(client, "office"))
    db = Database(settings)
    try:
        actions = await db_rows(
            db, "SELECT action FROM audit_entries WHERE object_type = 'bulletin' ORDER BY seq"
        )
        assert [row[0] for row in actions] == [
            "bulletin.drafted",
            "bulletin.regenerated",
            "bulletin.published",
        ]
        assert (await verify_trail(db)).intact
        # The frozen figures edited behind the app's back: the trail no longer vouches for them.
        async with db.write() as session:
            await session.execute(
                text("UPDATE bulletins SET figures = replace(figures, :was, :now)"),
                {"was": '"opened":0', "now": '"opened":9'},
            )
        report = await verify_trail(db)
        assert not report.intact and "figures_sha256" in str(report.first_break)
    finally:
        await db.dispose()


async def test_numbers_no_row_can_have_are_not_found(client):
    huge = 2**40
    assert (await get(client, f"/api/v1/bulletins/{huge}")).status_code == 404
    assert (await get(client, f"/bulletins/{huge}")).status_code == 404
    answer = await client.post(f"/api/v1/bulletins/{huge}/publish", headers=await auth(client, "office"))
    assert 400 <= answer.status_code < 500
    answer = await client.post("/api/v1/bulletins/1/archive", headers=await auth(client, "office"))
    assert answer.status_code == 404


async def test_the_bulletin_reports_the_three_assessments_and_what_followed(client, settings):
    await scenario(client, settings)
    office = await auth(client, "office")
    held = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    praise = await client.post(
        "/api/v1/assessment/praise",
        json={"period": month_key(), "unit": A, "text": "环境卫生整治成效明显，予以通报表彰"},
        headers=office,
    )
    assert praise.status_code == 201, praise.text
    interview = await client.post(
        "/api/v1/assessment/interviews",
        json={
            "period": month_key(),
            "unit": A,
            "held_at": held,
            "interviewee": "周处长（主要负责人）",
            "interviewers": "马丽华",
            "summary": "督促落实超期问题整改",
        },
        headers=office,
    )
    assert interview.status_code == 201, interview.text
    after_the_month(client)
    bulletin = (await draft(client, {"kind": "monthly", "period": month_key(), "campaign": None})).json()
    figures = bulletin["figures"]

    # What followed from the ratings, as recorded.
    done = figures["consequences"]
    assert [p["unit"]["code"] for p in done["praises"]] == [A]
    assert [i["interviewee"] for i in done["interviews"]] == ["周处长（主要负责人）"]
    assert done["notices"] == [] and done["eligibility_losses"] == []

    # The three assessments agree with the responsibility API the ranking page reads.
    assessed = (await get(client, f"/api/v1/responsibility?period={month_key()}")).json()
    own = next(u for u in assessed["units"] if u["unit"] == A)
    row = next(r for r in figures["responsibility"]["rows"] if r["unit"] == A)
    assert row["own"] == own["own"]["value"] and row["rating"] == own["own"]["rating"] == "excellent"
    assert row["sector"] == own["sector"]["value"] and row["parent_zh"]

    book = load_workbook(io.BytesIO((await get(client, f"/api/v1/bulletins/{bulletin['id']}.xlsx")).content))
    followed = sheet_rows(book, "检查结果运用（整改通知、约谈、取消评先资格、表彰）")
    assert followed[0] == ["措施", "单位", "内容", "日期"]
    assert ["通报表彰", A_ZH, "环境卫生整治成效明显，予以通报表彰"] == followed[-1][:3]
    three = sheet_rows(book, "三考核结果（通报本单位及上级单位）")
    mine = next(r for r in three if r[0] == A_ZH)
    assert mine[1] == own["own"]["value"] and isinstance(mine[1], float)

    pdf = await get(client, f"/api/v1/bulletins/{bulletin['id']}.pdf")
    text = re.sub(
        r"\s", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    )
    assert "十、三考核两通报" in text and "十一、检查结果运用" in text
    assert "周处长（主要负责人）" in text


@pytest.mark.parametrize(
    ("number", "numeral"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三")]
)
def test_sections_past_the_tenth_are_numbered_as_a_chinese_document_numbers_them(number, numeral):
    assert chinese_numeral(number) == numeral
