"""A month of findings with known outcomes, and every indicator checked against figures by hand.

The findings are recorded and driven through the real workflow (Findings API v1: record,
assign, rectify with an after-photo, close or send back, merge, disclose); then each one's
times are set in its row, so that the month is November 2026 by the bureau's calendar
(Asia/Shanghai, UTC+8) whatever day the test runs. The figures come from the real
IndicatorService and the real GET /api/v1/indicators.

November 2026 in Asia/Shanghai is [2026-10-31T16:00Z, 2026-11-30T16:00Z). Deadlines are either
fixed in November 2026 (in the past whenever the test runs: it was written on 2026-11-29) or
ten days after the real now (not due yet, whenever the test runs).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from conftest import DEMO_PASSWORD
from server import i18n
from server.accounts.admin import create_user
from server.assessment.indicators import DEFINITIONS, IndicatorService, Rate, month_bounds
from server.db import Database
from tests.helpers_app import app_for
from tests.helpers_findings import (
    assign,
    auth,
    covert_finding,
    db_rows,
    db_scalar,
    merge,
    new_finding,
    plain_jpeg,
    rectify,
    update_finding,
    verify,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
async def client(settings):
    # No background sweep: it would only stamp escalations, but a test should own its clock.
    with app_for(replace(settings, deadline_sweep_seconds=0)) as app:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
            yield test_client


@pytest.fixture
async def db(settings):
    """The test's own handle on the app's database (the app's pool belongs to its own loop)."""
    database = Database(settings)
    yield database
    await database.dispose()


def z(text: str) -> datetime:
    """A UTC moment written as 'MM-DDTHH:MM' in 2026, or a full ISO time."""
    if len(text) == 11:
        text = f"2026-{text}"
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def times(db: Database, finding_id: int, created: str, **moments: datetime | str | None) -> None:
    """Put a finding's history at chosen moments (the workflow stamped them with the real now)."""
    values: dict[str, Any] = {"created_at": z(created), "found_at": z(created) - timedelta(minutes=10)}
    for name, moment in moments.items():
        values[f"{name}_at" if name != "deadline" else name] = (
            z(moment) if isinstance(moment, str) else moment
        )
    values["updated_at"] = max(v for v in values.values() if v is not None)
    await update_finding(db, finding_id, **values)


_PHOTO: list[bytes] = []


def photo() -> list[bytes]:
    if not _PHOTO:
        _PHOTO.append(plain_jpeg())
    return [_PHOTO[0]]


async def handled(client: Any, finding_id: int, handler: str, lead: str, *outcomes: str) -> None:
    """The unit submits, then the lead answers each submission with the next outcome; a trailing
    'submit' is a last submission still waiting for the lead."""
    for outcome in outcomes:
        await rectify(client, finding_id, handler, photos=photo())
        if outcome != "submit":
            await verify(client, finding_id, outcome, lead)


async def month_of_findings(client: Any, db: Database, settings: Any) -> dict[str, int]:
    """The scenario; returns the findings' ids by the names used in the comments below."""
    for username, unit in (("handler-maojian", "maojian"), ("handler-zhangwan", "zhangwan")):
        await create_user(settings, username, "handler", unit, DEMO_PASSWORD, username)
    later = datetime.now(UTC) + timedelta(days=10)  # a deadline not passed yet, whenever this runs
    ids: dict[str, int] = {}

    async def assigned(name: str, unit: str = "sanitation-office", campaign: str = "sanitation") -> int:
        finding_id = ids[name] = await new_finding(client, campaign=campaign)
        lead = "lead-muck" if campaign == "muck" else "lead"
        await assign(client, finding_id, lead, unit=unit)
        return finding_id

    handler = {"sanitation-office": "handler", "maojian": "handler-maojian", "zhangwan": "handler-zhangwan"}

    # A: closed on time (three).
    for name, unit in (("A1", "sanitation-office"), ("A2", "sanitation-office"), ("A3", "maojian")):
        await handled(client, await assigned(name, unit), handler[unit], "lead", "close")
    await times(db, ids["A1"], "11-02T02:00", assigned="11-02T03:00", deadline="11-05T10:00",
                submitted="11-04T08:00", closed="11-04T12:00")  # fmt: skip
    # Submitted at the very second of the deadline (on time: "by" the deadline), closed a day after it.
    await times(db, ids["A2"], "11-03T01:00", assigned="11-03T02:00", deadline="11-06T10:00",
                submitted="11-06T10:00", closed="11-07T01:00")  # fmt: skip
    # Opened at 2026-10-31T17:00Z, which is 1 November 01:00 in Shanghai: a November finding.
    await times(db, ids["A3"], "10-31T17:00", assigned="11-01T02:00", deadline="11-08T10:00",
                submitted="11-07T02:00", closed="11-07T05:00")  # fmt: skip

    # B: closed, but submitted after the deadline (two).
    for name, unit in (("B1", "sanitation-office"), ("B2", "zhangwan")):
        await handled(client, await assigned(name, unit), handler[unit], "lead", "close")
    await times(db, ids["B1"], "11-04T02:00", assigned="11-04T03:00", deadline="11-07T10:00",
                submitted="11-08T02:00", closed="11-08T06:00")  # fmt: skip
    await times(  # submitted one second after the deadline
        db,
        ids["B2"],
        "11-05T02:00",
        assigned="11-05T03:00",
        deadline="11-06T10:00",
        submitted="2026-11-06T10:00:01",
        closed="11-07T02:00",
    )

    # C: sent back once, resubmitted by the rework's new deadline, closed.
    await handled(client, await assigned("C"), "handler", "lead", "rework", "close")
    await times(db, ids["C"], "11-06T02:00", assigned="11-06T03:00", deadline="11-11T10:00",
                submitted="11-10T02:00", closed="11-10T08:00")  # fmt: skip
    # D: sent back once; the rework's deadline passed with nothing resubmitted (overdue, in rework).
    await handled(client, await assigned("D", "maojian"), "handler-maojian", "lead", "rework")
    await times(db, ids["D"], "11-07T02:00", assigned="11-07T03:00", deadline="11-12T10:00",
                submitted="11-09T02:00")  # fmt: skip
    # E: sent back once, resubmitted before the new deadline, waiting for the lead.
    await handled(client, await assigned("E"), "handler", "lead", "rework", "submit")
    await times(db, ids["E"], "11-08T02:00", assigned="11-08T03:00", deadline="11-14T10:00",
                submitted="11-13T02:00")  # fmt: skip
    # F: submitted on time, waiting for the lead.
    await handled(client, await assigned("F", "zhangwan"), "handler-zhangwan", "lead", "submit")
    await times(db, ids["F"], "11-12T02:00", assigned="11-12T03:00", deadline="11-19T10:00",
                submitted="11-15T02:00")  # fmt: skip
    # G: assigned, deadline passed, nothing submitted (overdue, two).
    await assigned("G1")
    await times(db, ids["G1"], "11-14T02:00", assigned="11-14T03:00", deadline="11-17T10:00")
    await assigned("G2", "maojian")
    await times(db, ids["G2"], "11-15T02:00", assigned="11-15T03:00", deadline="11-20T10:00")
    # H: assigned, deadline not passed yet (two).
    await assigned("H1")
    await times(db, ids["H1"], "11-20T02:00", assigned="11-20T03:00", deadline=later)
    await assigned("H2")
    await times(db, ids["H2"], "11-21T02:00", assigned="11-21T03:00", deadline=later)
    # J: submitted, sent back, the rework's deadline not passed yet.
    await handled(client, await assigned("J"), "handler", "lead", "rework")
    await times(db, ids["J"], "11-16T02:00", assigned="11-16T03:00", deadline=later, submitted="11-18T02:00")
    # I: new, not assigned yet (two).
    for name, created in (("I1", "11-22T02:00"), ("I2", "11-23T02:00")):
        ids[name] = await new_finding(client)
        await times(db, ids[name], created)
    # K: a duplicate merged into I1: counted as I1, not again.
    ids["K"] = await new_finding(client)
    await merge(client, ids["K"], ids["I1"])
    await times(db, ids["K"], "11-24T02:00")
    # L: a covert (unannounced) finding the office has not disclosed: not in anyone's figures yet.
    _uuid, ids["L"] = await covert_finding(client)
    await times(db, ids["L"], "11-09T02:00")
    # M: a covert finding the office disclosed: counted, in the month it was opened (new).
    check_uuid, ids["M"] = await covert_finding(client)
    disclosed = await client.post(
        f"/api/v1/checks/{check_uuid}/disclose", headers=await auth(client, "office")
    )
    assert disclosed.status_code == 200, disclosed.text
    await times(db, ids["M"], "11-11T02:00")

    # Not November: O1 opened at 2026-10-31T15:59:59Z = 31 October 23:59:59 in Shanghai (assigned,
    # rectified and closed in November, still an October finding); O2 opened in October, overdue now.
    await handled(client, await assigned("O1"), "handler", "lead", "close")
    await times(db, ids["O1"], "2026-10-31T15:59:59", assigned="10-31T16:30", deadline="11-03T10:00",
                submitted="11-02T02:00", closed="11-02T06:00")  # fmt: skip
    await assigned("O2")
    await times(db, ids["O2"], "10-20T02:00", assigned="10-20T03:00", deadline="10-25T10:00")
    # Not sanitation: P1 closed on time and P2 overdue, in November, of the muck campaign.
    await handled(client, await assigned("P1", "muck-office", "muck"), "handler-muck", "lead-muck", "close")
    await times(db, ids["P1"], "11-05T02:00", assigned="11-05T03:00", deadline="11-08T10:00",
                submitted="11-06T02:00", closed="11-06T05:00")  # fmt: skip
    await assigned("P2", "muck-office", "muck")
    await times(db, ids["P2"], "11-05T04:00", assigned="11-05T05:00", deadline="11-10T10:00")
    return ids


# What the workflow left each finding in (status, rework count): the scenario is what it says.
EXPECTED_STATES = {
    "A1": ("closed", 0), "A2": ("closed", 0), "A3": ("closed", 0), "B1": ("closed", 0), "B2": ("closed", 0),
    "C": ("closed", 1), "D": ("rework", 1), "E": ("submitted", 1), "F": ("submitted", 0),
    "G1": ("assigned", 0), "G2": ("assigned", 0), "H1": ("assigned", 0), "H2": ("assigned", 0),
    "J": ("rework", 1), "I1": ("new", 0), "I2": ("new", 0), "K": ("merged", 0), "L": ("new", 0),
    "M": ("new", 0), "O1": ("closed", 0), "O2": ("assigned", 0), "P1": ("closed", 0), "P2": ("assigned", 0),
}  # fmt: skip


def rate(numerator: int, denominator: int) -> dict[str, Any]:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "value": numerator / denominator if denominator else None,
    }


# Sanitation, November 2026, by hand. In scope: A1 A2 A3 B1 B2 C D E F G1 G2 H1 H2 J I1 I2 M = 17
# (K is merged into I1, L is covert and undisclosed, O1 O2 are October's, P1 P2 are muck's).
SANITATION_NOVEMBER = {
    "total": 17,
    # Submitted at least once: A1 A2 A3 B1 B2 C D E F J = 10 (not G1 G2 H1 H2 I1 I2 M).
    "handling_rate": rate(10, 17),
    # Due = assigned and settled (submitted or closed) or past the deadline:
    #   closed A1 A2 A3 B1 B2 C, submitted E F, past the deadline D G1 G2 = 11 (H1 H2 J not due yet).
    # On time = settled and submitted by the deadline: A1 A2 (at the second) A3 C (by the rework's
    #   deadline) E F = 6; B1 B2 were late, D G1 G2 have nothing settled.
    "on_time_rate": rate(6, 11),
    # Verified at least once = closed or sent back: A1 A2 A3 B1 B2 C + D E J = 9; sent back: C D E J = 4.
    "rework_rate": rate(4, 9),
    # Waiting for the unit past the deadline, now: D (rework) G1 G2 (assigned) = 3.
    "overdue": 3,
    # Closed: A1 A2 A3 B1 B2 C = 6, of the 17.
    "closure_rate": rate(6, 17),
    # new I1 I2 M, assigned G1 G2 H1 H2, submitted E F, rework D J, closed A1 A2 A3 B1 B2 C.
    "statuses": {"new": 3, "assigned": 4, "submitted": 2, "rework": 2, "closed": 6},
}

# The same month, only what was assigned to sanitation-office: A1 A2 B1 C E G1 H1 H2 J = 9.
SANITATION_OFFICE_NOVEMBER = {
    "total": 9,
    "handling_rate": rate(6, 9),  # A1 A2 B1 C E J
    "on_time_rate": rate(4, 6),  # due A1 A2 B1 C E G1; on time A1 A2 C E
    "rework_rate": rate(3, 6),  # verified A1 A2 B1 C E J; sent back C E J
    "overdue": 1,  # G1
    "closure_rate": rate(4, 9),  # A1 A2 B1 C
    "statuses": {"new": 0, "assigned": 3, "submitted": 1, "rework": 1, "closed": 4},
}

# Per unit, November. maojian: A3 D G2. zhangwan: B2 F.
MAOJIAN_NOVEMBER = {
    "total": 3,
    "handling_rate": rate(2, 3),  # A3 D
    "on_time_rate": rate(1, 3),  # due A3 D G2; on time A3
    "rework_rate": rate(1, 2),  # verified A3 D; sent back D
    "overdue": 2,  # D G2
    "closure_rate": rate(1, 3),  # A3
    "statuses": {"new": 0, "assigned": 1, "submitted": 0, "rework": 1, "closed": 1},
}
ZHANGWAN_NOVEMBER = {
    "total": 2,
    "handling_rate": rate(2, 2),  # B2 F
    "on_time_rate": rate(1, 2),  # due B2 F; on time F
    "rework_rate": rate(0, 1),  # verified B2, never sent back: 0 %, which is data, not "no data"
    "overdue": 0,
    "closure_rate": rate(1, 2),  # B2
    "statuses": {"new": 0, "assigned": 0, "submitted": 1, "rework": 0, "closed": 1},
}

# Sanitation, October 2026: O1 (opened 31 October 23:59:59 in Shanghai, closed on time) and O2 (overdue).
SANITATION_OCTOBER = {
    "total": 2,
    "handling_rate": rate(1, 2),  # O1
    "on_time_rate": rate(1, 2),  # due O1 O2; on time O1
    "rework_rate": rate(0, 1),  # verified O1
    "overdue": 1,  # O2
    "closure_rate": rate(1, 2),  # O1
    "statuses": {"new": 0, "assigned": 1, "submitted": 0, "rework": 0, "closed": 1},
}

# Muck, November 2026: P1 closed on time, P2 overdue; none of it is sanitation's.
MUCK_NOVEMBER = {
    "total": 2,
    "handling_rate": rate(1, 2),
    "on_time_rate": rate(1, 2),
    "rework_rate": rate(0, 1),
    "overdue": 1,
    "closure_rate": rate(1, 2),
    "statuses": {"new": 0, "assigned": 1, "submitted": 0, "rework": 0, "closed": 1},
}

NO_FINDINGS = {
    "total": 0,
    "handling_rate": rate(0, 0),
    "on_time_rate": rate(0, 0),
    "rework_rate": rate(0, 0),
    "overdue": 0,
    "closure_rate": rate(0, 0),
    "statuses": {"new": 0, "assigned": 0, "submitted": 0, "rework": 0, "closed": 0},
}


async def ids_of(db: Database, table: str) -> dict[str, int]:
    return {code: id_ for code, id_ in await db_rows(db, f"SELECT code, id FROM {table}")}


async def indicators_api(client: Any, user: str = "lead", **params: str) -> dict[str, Any]:
    response = await client.get("/api/v1/indicators", params=params, headers=await auth(client, user))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_month_of_findings_gives_the_hand_computed_indicators(client, db, settings):
    ids = await month_of_findings(client, db, settings)
    states = {}
    for name, finding_id in ids.items():
        ((status, rework_count),) = await db_rows(
            db, "SELECT status, rework_count FROM findings WHERE id = :id", id=finding_id
        )
        states[name] = (status, rework_count)
    assert states == EXPECTED_STATES

    # The real service, on the test's own connection.
    service = IndicatorService(db, settings.timezone)
    campaigns, units = await ids_of(db, "campaigns"), await ids_of(db, "units")
    sanitation = campaigns["sanitation"]
    november = await service.compute(campaign_id=sanitation, month=NOVEMBER)
    assert november.as_json() == SANITATION_NOVEMBER
    assert november.handling.percent() == "58.8%"  # 10/17
    assert (
        await service.compute(campaign_id=sanitation, unit_id=units["sanitation-office"], month=NOVEMBER)
    ).as_json() == SANITATION_OFFICE_NOVEMBER
    assert (await service.compute(campaign_id=campaigns["muck"], month=NOVEMBER)).as_json() == MUCK_NOVEMBER

    by_unit = await service.by_unit(campaign_id=sanitation, month=NOVEMBER)
    assert {unit: figures.as_json() for unit, figures in by_unit.items()} == {
        units["sanitation-office"]: SANITATION_OFFICE_NOVEMBER,
        units["maojian"]: MAOJIAN_NOVEMBER,
        units["zhangwan"]: ZHANGWAN_NOVEMBER,
    }

    year = await service.by_month(campaign_id=sanitation, year=2026)
    assert year[date(2026, 11, 1)].as_json() == SANITATION_NOVEMBER
    assert year[date(2026, 10, 1)].as_json() == SANITATION_OCTOBER
    assert [m for m, figures in year.items() if figures.total] == [date(2026, 10, 1), date(2026, 11, 1)]
    assert year[date(2026, 12, 1)].as_json() == NO_FINDINGS

    # "Now" only moves the deadline comparisons: on 16 November G1 (due 17th) and G2 (due 20th)
    # were neither due nor overdue, so the on-time rate was 6/9 and only D was overdue.
    earlier = await service.compute(campaign_id=sanitation, month=NOVEMBER, now=z("11-16T00:00"))
    assert earlier.on_time.as_json() == rate(6, 9)
    assert earlier.overdue == 1

    # All time: the October pair and November's 17 (without K and L); the desk's status cards.
    assert (await service.compute(campaign_id=sanitation)).total == 19
    assert await service.status_counts(campaign_id=sanitation) == {
        "new": 3, "assigned": 5, "submitted": 2, "rework": 2, "closed": 7,
    }  # fmt: skip
    assert await service.status_counts(campaign_id=sanitation, unit_id=units["maojian"]) == {
        "new": 0, "assigned": 1, "submitted": 0, "rework": 1, "closed": 1,
    }  # fmt: skip

    # The real endpoint, as the lead asks it.
    body = await indicators_api(client, campaign="sanitation", month="2026-11")
    assert body["indicators"] == SANITATION_NOVEMBER
    assert (body["campaign"], body["unit"], body["month"]) == ("sanitation", None, "2026-11")
    assert set(body["definitions"]) == {"handling", "on_time", "rework", "overdue", "closure"}
    assert body["definitions"]["handling"].startswith("处置率")  # shown in the page's language
    body = await indicators_api(client, campaign="sanitation", unit="sanitation-office", month="2026-11")
    assert body["indicators"] == SANITATION_OFFICE_NOVEMBER
    body = await indicators_api(client, campaign="sanitation", month="2026-10")
    assert body["indicators"] == SANITATION_OCTOBER


async def test_an_empty_denominator_is_no_data_never_zero(client, db, settings):
    # Parks (also led by `lead`) gets one finding in November 2026, not assigned yet.
    parks = await new_finding(client, campaign="parks")
    await times(db, parks, "11-10T02:00")

    body = await indicators_api(client, campaign="parks", month="2026-11")
    figures = body["indicators"]
    # One finding, nothing handled or closed: 0 of 1 is a real 0 %...
    assert figures["handling_rate"] == {"numerator": 0, "denominator": 1, "value": 0.0}
    assert figures["closure_rate"] == {"numerator": 0, "denominator": 1, "value": 0.0}
    # ...but nothing was due and nothing verified: no data, which JSON says as null.
    assert figures["on_time_rate"] == {"numerator": 0, "denominator": 0, "value": None}
    assert figures["rework_rate"] == {"numerator": 0, "denominator": 0, "value": None}
    assert figures["overdue"] == 0
    # A month with no findings at all: every rate is no data, the counts are 0.
    assert (await indicators_api(client, campaign="parks", month="2026-12"))["indicators"] == NO_FINDINGS
    # A unit with nothing assigned to it.
    assert (await indicators_api(client, campaign="parks", unit="etdz", month="2026-11"))["indicators"] == (
        NO_FINDINGS
    )

    # How a page shows a rate: the percentage with its fraction, or the words "no data".
    service = IndicatorService(db, settings.timezone)
    shown = await service.compute(campaign_id=(await ids_of(db, "campaigns"))["parks"], month=NOVEMBER)
    token = i18n._current.set("en")
    try:
        assert shown.handling.text() == "0.0% (0/1)"
        assert shown.on_time.text() == "no data"
        assert shown.rework.text() == "no data"
        assert Rate(6, 11).text() == "54.5% (6/11)"
    finally:
        i18n._current.reset(token)
    assert shown.on_time.percent() is None and shown.on_time.value is None


def test_months_are_the_bureaus_calendar_months():
    start, end = month_bounds(date(2026, 11, 17), "Asia/Shanghai")
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (z("10-31T16:00"), z("11-30T16:00"))
    # 2026-10-31T17:00Z is 1 November 01:00 in Shanghai: November's; one second before 16:00Z is October's.
    assert start <= z("10-31T17:00") < end
    assert not start <= z("2026-10-31T15:59:59") < end
    # December runs into the next year.
    start, end = month_bounds(date(2026, 12, 1), "Asia/Shanghai")
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (z("11-30T16:00"), z("2026-12-31T16:00"))
    # Another configured zone moves the boundaries with it.
    start, _end = month_bounds(date(2026, 11, 1), "UTC")
    assert start.astimezone(UTC) == z("11-01T00:00")


async def test_the_indicators_endpoint_refuses_a_month_it_cannot_read(client):
    for month in ("2026-13", "November", "2026/11"):
        response = await client.get(
            "/api/v1/indicators",
            params={"campaign": "sanitation", "month": month},
            headers=await auth(client, "lead"),
        )
        assert response.status_code == 422, (month, response.text)
    response = await client.get(
        "/api/v1/indicators", params={"campaign": "nope"}, headers=await auth(client, "lead")
    )
    assert response.status_code == 422
    assert (await client.get("/api/v1/indicators")).status_code in (401, 403)


def test_the_definitions_are_documented_word_for_word():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    for key, definition in DEFINITIONS.items():
        assert definition in text, f"docs/indicators.md does not quote the {key} definition"


async def test_merged_duplicates_and_undisclosed_covert_findings_are_left_out(client, db, settings):
    # The exclusions are real rows, not rows that failed to be written.
    merged_into = await new_finding(client)
    duplicate = await new_finding(client)
    await merge(client, duplicate, merged_into)
    _uuid, covert = await covert_finding(client)
    for finding_id in (merged_into, duplicate, covert):
        await times(db, finding_id, "11-03T02:00")
    assert await db_scalar(db, "SELECT count(*) FROM findings WHERE status = 'merged'") == 1
    assert await db_scalar(db, "SELECT count(*) FROM findings WHERE covert") == 1
    sanitation = (await ids_of(db, "campaigns"))["sanitation"]
    figures = await IndicatorService(db, settings.timezone).compute(campaign_id=sanitation, month=NOVEMBER)
    assert figures.total == 1
    assert figures.statuses == {"new": 1, "assigned": 0, "submitted": 0, "rework": 0, "closed": 0}


def _indicator_blocks(html: str) -> dict[str, str]:
    """The desk's indicator cards, by their data-indicator key, as plain text."""
    parts = re.split(r'data-indicator="(\w+)"', html)
    blocks = {}
    for key, rest in zip(parts[1::2], parts[2::2], strict=True):
        text = re.sub(r"<[^>]+>", " ", rest.split("</div>", 1)[0])
        blocks[key] = " ".join(text.split())
    return blocks


async def test_the_desk_page_shows_no_data_for_an_empty_denominator(client):
    headers = await auth(client, "lead") | {"Accept-Language": "en"}
    # The desk shows the current month; the demo data has no findings at all.
    page = await client.get("/desk", params={"campaign": "parks"}, headers=headers)
    assert page.status_code == 200, page.text
    cards = _indicator_blocks(page.text)
    for key in ("handling", "on_time", "rework", "closure"):
        assert "no data" in cards[key], (key, cards[key])
        assert "0 / 0" in cards[key]
        assert "%" not in cards[key]  # no percentage made up from nothing

    # One finding opened now: handling and closure become a real 0 %; nothing is due or verified yet.
    await new_finding(client, campaign="parks")
    cards = _indicator_blocks((await client.get("/desk", params={"campaign": "parks"}, headers=headers)).text)
    assert "0.0%" in cards["handling"] and "0 / 1" in cards["handling"]
    assert "0.0%" in cards["closure"] and "0 / 1" in cards["closure"]
    assert "no data" in cards["on_time"] and "no data" in cards["rework"]


async def test_the_figures_are_read_only_by_those_who_answer_for_them(client):
    from conftest import token_for

    lead = await token_for(client, "lead")
    handler = await token_for(client, "handler")
    office = await token_for(client, "office")
    officer = await token_for(client, "officer")
    url = "/api/v1/indicators"
    # A lead reads their own campaigns, not another lead's, and not the bureau as a whole.
    assert (await client.get(url, params={"campaign": "sanitation"}, headers=lead)).status_code == 200
    refused = await client.get(url, params={"campaign": "muck"}, headers=lead)
    assert refused.status_code == 403 and refused.json()["message"]
    assert (await client.get(url, headers=lead)).status_code == 403
    # A unit reads its own figures only.
    assert (await client.get(url, params={"unit": "sanitation-office"}, headers=handler)).status_code == 200
    assert (await client.get(url, params={"unit": "muck-office"}, headers=handler)).status_code == 403
    assert (await client.get(url, params={"campaign": "sanitation"}, headers=handler)).status_code == 403
    # The office reads everything; a patrol officer reads none of it.
    assert (await client.get(url, headers=office)).status_code == 200
    assert (await client.get(url, params={"campaign": "sanitation"}, headers=officer)).status_code == 403
