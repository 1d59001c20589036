"""The democratic evaluation's votes (集中民主评议): entered by the office per unit and period,
audited, refused when they cannot be true; and the periods the assessment names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from conftest import token_for
from server.assessment.evaluations import Votes
from server.assessment.periods import parse_period
from server.audit.verify import verify
from server.db import Database
from server.errors import Invalid
from tests.helpers_findings import db_rows

pytestmark = pytest.mark.anyio

VOTES = {"satisfied": 30, "basically_satisfied": 10, "unsatisfied": 5}


async def put_votes(
    client: Any, headers: dict[str, str], body: Any, period: str = "2026", unit: str = "sanitation-office"
) -> Any:
    return await client.put(f"/api/v1/evaluations/{period}/{unit}", json=body, headers=headers)


@pytest.mark.parametrize(
    ("text", "key", "start", "end"),
    [
        ("2026", "2026", "2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00"),
        ("2026-Q3", "2026-Q3", "2026-07-01T00:00:00+08:00", "2026-10-01T00:00:00+08:00"),
        ("2026-Q4", "2026-Q4", "2026-10-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00"),
        ("2026-10", "2026-10", "2026-10-01T00:00:00+08:00", "2026-11-01T00:00:00+08:00"),
        ("2026-12", "2026-12", "2026-12-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00"),
    ],
)
def test_a_period_is_bounded_by_the_bureaus_calendar(text, key, start, end):
    period = parse_period(text)
    assert period.key == key
    assert period.bounds("Asia/Shanghai") == (datetime.fromisoformat(start), datetime.fromisoformat(end))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "26",
        "2026-13",
        "2026-00",
        "2026-Q5",
        "2026-Q0",
        "2026-1",
        "2026/10",
        "0001",
        "9999",
        "2026-10-01",
        None,
    ],
)
def test_anything_else_is_not_a_period(text):
    with pytest.raises(Invalid) as caught:
        parse_period(text)
    assert caught.value.errors[0]["field"] == "period"


def test_the_democratic_score_weighs_basically_satisfied_at_sixty():
    assert Votes(30, 10, 5).score() == round((30 * 100 + 10 * 60) / 45, 2) == 80.0
    assert Votes(0, 0, 0).score() is None


async def test_the_office_enters_votes_once_and_may_correct_them(client, settings):
    office = await token_for(client, "office")
    created = await put_votes(client, office, VOTES)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["period"] == "2026" and body["unit"] == "sanitation-office"
    assert (body["satisfied"], body["basically_satisfied"], body["unsatisfied"], body["total"]) == (
        30,
        10,
        5,
        45,
    )
    assert body["score"] == 80.0
    assert body["entered_by"] == "office" and body["entered_at"]

    again = await put_votes(client, office, VOTES)
    assert again.status_code == 200 and again.json() == body

    corrected = await put_votes(client, office, {**VOTES, "unsatisfied": 0})
    assert corrected.status_code == 200
    assert corrected.json()["total"] == 40 and corrected.json()["score"] == round((3000 + 600) / 40, 2)

    # Another period of the same unit is another evaluation.
    assert (await put_votes(client, office, VOTES, period="2026-Q3")).status_code == 201

    db = Database(settings)
    try:
        rows = await db_rows(db, "SELECT period, unsatisfied FROM evaluations ORDER BY period")
        assert [tuple(row) for row in rows] == [("2026", 0), ("2026-Q3", 5)]
        trail = await db_rows(
            db, "SELECT action FROM audit_entries WHERE object_type = 'evaluation' ORDER BY seq"
        )
        assert [row[0] for row in trail] == ["evaluation.entered", "evaluation.changed", "evaluation.entered"]
        report = await verify(db)
        assert report.intact, report.first_break
    finally:
        await db.dispose()


@pytest.mark.parametrize("username", ["officer", "lead", "handler", "supervisor"])
async def test_only_the_office_enters_votes(client, settings, username):
    response = await put_votes(client, await token_for(client, username), VOTES)
    assert response.status_code == 403
    db = Database(settings)
    try:
        assert await db_rows(db, "SELECT id FROM evaluations") == []
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VOTES, "unsatisfied": -1}, "unsatisfied"),
        ({**VOTES, "satisfied": 1.5}, "satisfied"),
        ({**VOTES, "satisfied": "30"}, "satisfied"),
        ({**VOTES, "basically_satisfied": True}, "basically_satisfied"),
        ({"satisfied": 3, "unsatisfied": 1}, "basically_satisfied"),
        ({**VOTES, "abstained": 2}, "abstained"),
        ({"satisfied": 400, "basically_satisfied": 100, "unsatisfied": 1}, "total"),
        ([1, 2, 3], ""),
    ],
)
async def test_votes_that_cannot_be_true_are_refused(client, settings, body, field):
    response = await put_votes(client, await token_for(client, "office"), body)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    db = Database(settings)
    try:
        assert await db_rows(db, "SELECT id FROM evaluations") == []
    finally:
        await db.dispose()


async def test_the_most_votes_an_evaluation_may_hold_is_accepted(client):
    limit = {"satisfied": 400, "basically_satisfied": 100, "unsatisfied": 0}
    assert (await put_votes(client, await token_for(client, "office"), limit)).status_code == 201


async def test_a_bad_period_or_an_unknown_unit_is_named(client):
    office = await token_for(client, "office")
    bad = await put_votes(client, office, VOTES, period="2026-Q9")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"
    unknown = await put_votes(client, office, VOTES, unit="no-such-unit")
    assert unknown.status_code == 404 and "no-such-unit" in unknown.json()["detail"]


@pytest.mark.parametrize("unit", ["bureau", "duty-office"])
async def test_votes_for_a_unit_the_assessment_does_not_score_are_refused(client, unit):
    response = await put_votes(client, await token_for(client, "office"), VOTES, unit=unit)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "unit"
