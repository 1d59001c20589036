"""Complaint indicators against figures worked out by hand, through GET /api/v1/indicators/complaints.

The complaints are recorded and driven through the API; then each one's receipt time is set to a
fixed moment, so the months are those of the bureau's calendar (Asia/Shanghai, UTC+8) whatever
day the test runs. November 2026 there is [2026-10-31T16:00Z, 2026-11-30T16:00Z).

    complaint  received (UTC)       month  unit               campaign    what happened
    A          11-10T02:00          Nov    sanitation-office  sanitation  investigated, satisfied, closed
    B          11-12T03:00          Nov    sanitation-office  sanitation  investigated, unsatisfied (reopened),
                                                                           investigated again, basically satisfied, closed
    C          11-20T08:00          Nov    sanitation-office  -           investigated, not called back
    D          11-21T08:00          Nov    muck-office        -           assigned only
    E          11-22T08:00          Nov    muck-office        -           investigated, unsatisfied (reopened), waiting
    H          10-31T16:00          Nov    -                  -           received only (Nov 1 00:00 in Shiyan)
    G          10-31T15:59          Oct    -                  -           received only (Oct 31 23:59 in Shiyan)
    F          11-30T16:30          Dec    sanitation-office  -           investigated, satisfied (Dec 1 00:30 in Shiyan)

November, all:   received 6; investigated A B C E = 4; called back A B E = 3; closed A B = 2;
                 latest call-back satisfied A B = 2  ->  4/6, 3/4, 2/6, 2/3
November, sanitation-office: A B C -> 3/3, 2/3, 2/3, 2/2
November, muck-office:       D E   -> 1/2, 1/1, 0/2, 0/1
November, campaign sanitation: A B -> 2/2, 2/2, 2/2, 2/2
October:  G -> 0/1, no data, 0/1, no data
December: F -> 1/1, 1/1, 0/1, 1/1
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.db import Database
from tests.helpers_complaints import assign, investigate, received_at, record, step, utc, visit
from tests.helpers_findings import auth

DOCS = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"
KEYS = ("investigation_rate", "return_visit_rate", "completion_rate", "satisfaction_rate")


@pytest.fixture
async def db(settings):
    database = Database(settings)
    yield database
    await database.dispose()


async def scenario(client, db) -> None:
    async def make(received: str, *, unit: str | None, campaign: str | None = None) -> str:
        uuid = await record(client, campaign=campaign)
        if unit:
            await assign(client, uuid, unit)
        await received_at(db, uuid, utc(received))
        return uuid

    a = await make("2026-11-10T02:00", unit="sanitation-office", campaign="sanitation")
    await investigate(client, a)
    await visit(client, a, "satisfied")
    await step(client, a, "close")

    b = await make("2026-11-12T03:00", unit="sanitation-office", campaign="sanitation")
    await investigate(client, b)
    await visit(client, b, "unsatisfied")
    await investigate(client, b)
    await visit(client, b, "basically_satisfied")
    await step(client, b, "close")

    c = await make("2026-11-20T08:00", unit="sanitation-office")
    await investigate(client, c)

    await make("2026-11-21T08:00", unit="muck-office")

    e = await make("2026-11-22T08:00", unit="muck-office")
    await investigate(client, e, "handler-muck")
    await visit(client, e, "unsatisfied")

    await make("2026-10-31T16:00", unit=None)
    await make("2026-10-31T15:59", unit=None)

    f = await make("2026-11-30T16:30", unit="sanitation-office")
    await investigate(client, f)
    await visit(client, f, "satisfied")


def figures(body: dict) -> tuple:
    return tuple((body[k]["numerator"], body[k]["denominator"]) for k in KEYS)


async def test_each_indicator_matches_the_figures_worked_out_by_hand(client, db):
    await scenario(client, db)
    office = await auth(client, "office")

    async def get(query: str, headers=office) -> dict:
        response = await client.get(f"/api/v1/indicators/complaints?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    november = await get("month=2026-11")
    assert november["received"] == 6
    assert figures(november) == ((4, 6), (3, 4), (2, 6), (2, 3))
    assert november["investigation_rate"]["value"] == pytest.approx(4 / 6)
    assert november["satisfaction_rate"]["value"] == pytest.approx(2 / 3)
    assert figures(await get("month=2026-11&unit=sanitation-office")) == ((3, 3), (2, 3), (2, 3), (2, 2))
    assert figures(await get("month=2026-11&unit=muck-office")) == ((1, 2), (1, 1), (0, 2), (0, 1))
    assert figures(await get("month=2026-11&campaign=sanitation")) == ((2, 2), (2, 2), (2, 2), (2, 2))

    october = await get("month=2026-10")
    assert figures(october) == ((0, 1), (0, 0), (0, 1), (0, 0))
    assert october["return_visit_rate"]["value"] is None
    assert october["satisfaction_rate"]["value"] is None
    assert figures(await get("month=2026-12")) == ((1, 1), (1, 1), (0, 1), (1, 1))

    empty = await get("month=2025-01")
    assert all(empty[k]["value"] is None for k in KEYS)
    assert set(november["definitions"]) == set(KEYS)

    # Who may read which figures: a unit its own, a lead their campaigns', others none.
    handler = await auth(client, "handler")
    assert figures(await get("month=2026-11&unit=sanitation-office", handler))[0] == (3, 3)
    other = await client.get("/api/v1/indicators/complaints?month=2026-11&unit=muck-office", headers=handler)
    assert other.status_code == 403
    lead = await auth(client, "lead")
    assert figures(await get("month=2026-11&campaign=sanitation", lead))[2] == (2, 2)
    officer = await client.get(
        "/api/v1/indicators/complaints?month=2026-11", headers=await auth(client, "officer")
    )
    assert officer.status_code == 403


def test_the_indicators_are_documented():
    text = DOCS.read_text(encoding="utf-8")
    for name in ("调查处理率", "回访率", "办结率", "满意率", "Asia/Shanghai"):
        assert name in text, name
