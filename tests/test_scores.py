"""The composite score (docs/scores.md): three units with known inputs, recorded through the
app's own APIs, against figures computed by hand; who may see which units; bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import check_body, csrf_from, new_uuid, token_for
from server.db import Database
from server.settings import Settings
from tests.helpers_complaints import settled
from tests.helpers_findings import assign, auth, update_finding

pytestmark = pytest.mark.anyio

A, B, C = "sanitation-office", "muck-office", "dust-office"


def this_year() -> str:
    # The records below are made in the last two hours: the year they fall in, in the bureau's zone.
    return str((datetime.now(UTC) - timedelta(hours=3)).astimezone(ZoneInfo("Asia/Shanghai")).year)


async def unannounced(
    client: Any, campaign: str, unit: str, answers: list[tuple[str, str]]
) -> dict[str, Any]:
    uuid = new_uuid()
    body = check_body(
        campaign=campaign,
        kind="unannounced",
        target_unit=unit,
        answers=[
            {"item": item, "result": result, **({"severity": "major"} if result == "fail" else {})}
            for item, result in answers
        ],
    )
    response = await client.put(f"/api/v1/checks/{uuid}", json=body, headers=await auth(client, "supervisor"))
    assert response.status_code == 201, response.text
    return response.json() | {"uuid": uuid}


async def disclose(client: Any, uuid: str) -> None:
    response = await client.post(f"/api/v1/checks/{uuid}/disclose", headers=await auth(client, "office"))
    assert response.status_code == 200, response.text


async def votes(client: Any, unit: str, satisfied: int, basically: int, unsatisfied: int) -> None:
    body = {"satisfied": satisfied, "basically_satisfied": basically, "unsatisfied": unsatisfied}
    response = await client.put(
        f"/api/v1/evaluations/{this_year()}/{unit}", json=body, headers=await auth(client, "office")
    )
    assert response.status_code == 201, response.text


async def scenario(client: Any, settings: Settings) -> None:
    # Unit A: a disclosed unannounced check, 3 of 4 items passed, whose one finding is past its
    # deadline unrectified; and an undisclosed one failing everything, which must count nowhere.
    check = await unannounced(
        client,
        "sanitation",
        A,
        [("san-01", "fail"), ("san-02", "pass"), ("san-03", "pass"), ("san-04", "pass")],
    )
    await unannounced(client, "sanitation", A, [("san-01", "fail"), ("san-02", "fail")])
    await disclose(client, check["uuid"])
    (finding,) = check["findings"]
    await assign(client, finding["id"], unit=A)
    db = Database(settings)
    try:
        await update_finding(db, finding["id"], deadline=datetime.now(UTC) - timedelta(minutes=5))
    finally:
        await db.dispose()
    # A complaint called back satisfied and closed, then rated basically satisfied by the complainant.
    closed = await settled(client, A)
    form = await client.get(closed["rating_url"])
    rated = await client.post(
        closed["rating_url"], data={"outcome": "basically_satisfied", "_csrf": csrf_from(form.text)}
    )
    assert rated.status_code == 200
    await votes(client, A, 30, 10, 5)

    # Unit B: a disclosed unannounced check passing both items; a complaint called back satisfied, closed.
    check = await unannounced(client, "muck", B, [("muck-01", "pass"), ("muck-02", "pass")])
    await disclose(client, check["uuid"])
    await settled(client, B, handler="handler-muck", campaign="muck")
    await votes(client, B, 40, 10, 0)

    # Unit C: only the democratic evaluation.
    await votes(client, C, 10, 10, 20)


EXPECTED = {
    A: {
        # 100 * 3/4 passed, less 5 for the late finding; the undisclosed check is not in it.
        "third_party": {"value": 70.0, "basis": 1},
        # (100 for the satisfied call-back + 60 for the basically satisfied rating) / 2
        "service_recipient": {"value": 80.0, "basis": 2},
        # (30*100 + 10*60 + 5*0) / 45
        "democratic": {"value": 80.0, "basis": 45},
        # on-time rate 0/1 (the late finding) and completion rate 1/1; no rework rate (nothing verified)
        "routine": {"value": 50.0, "basis": 2},
        # 0.30*70 + 0.25*80 + 0.35*80 + 0.10*50
        "composite": {
            "value": 74.0,
            "basis": 50,
            "parts_used": ["third_party", "service_recipient", "democratic", "routine"],
        },
        "rating": "qualified",
        "rank": 2,
    },
    B: {
        "third_party": {"value": 100.0, "basis": 1},
        "service_recipient": {"value": 100.0, "basis": 1},
        # (40*100 + 10*60) / 50
        "democratic": {"value": 92.0, "basis": 50},
        # no findings; completion rate 1/1
        "routine": {"value": 100.0, "basis": 1},
        # 0.30*100 + 0.25*100 + 0.35*92 + 0.10*100
        "composite": {
            "value": 97.2,
            "basis": 53,
            "parts_used": ["third_party", "service_recipient", "democratic", "routine"],
        },
        "rating": "excellent",
        "rank": 1,
    },
    C: {
        "third_party": {"value": None, "basis": 0},
        "service_recipient": {"value": None, "basis": 0},
        # (10*100 + 10*60 + 20*0) / 40
        "democratic": {"value": 40.0, "basis": 40},
        "routine": {"value": None, "basis": 0},
        # the democratic part alone, re-weighted to 100 %
        "composite": {"value": 40.0, "basis": 40, "parts_used": ["democratic"]},
        "rating": "unqualified",
        "rank": 3,
    },
}


async def scores(client: Any, username: str, period: str | None = None) -> Any:
    return await client.get(
        f"/api/v1/scores?period={period or this_year()}", headers=await token_for(client, username)
    )


async def test_three_units_score_as_computed_by_hand(client, settings):
    await scenario(client, settings)
    response = await scores(client, "office")
    assert response.status_code == 200, response.text
    rows = response.json()
    by_unit = {row["unit"]: row for row in rows}
    for unit, expected in EXPECTED.items():
        assert by_unit[unit] == {"unit": unit, **expected}, unit
    # Ranked by composite; the units without any data follow, unranked and unrated.
    assert [row["unit"] for row in rows[:3]] == [B, A, C]
    rest = rows[3:]
    assert rest and all(row["rank"] is None and row["rating"] is None for row in rest)
    assert all(row["composite"] == {"value": None, "basis": 0, "parts_used": []} for row in rest)

    # Another year holds none of it.
    other = (await scores(client, "office", str(int(this_year()) - 1))).json()
    assert all(row["rank"] is None for row in other)


async def test_each_reader_sees_the_units_they_answer_for(client, settings):
    await scenario(client, settings)
    handler = (await scores(client, "handler")).json()
    assert handler == [{"unit": A, **EXPECTED[A], "rank": 1}]
    lead = {row["unit"]: row for row in (await scores(client, "lead")).json()}
    # The lead of sanitation and parks: their responsible units (and the units assigned their findings).
    assert set(lead) == {A, "parks-office"}
    assert lead[A]["composite"] == EXPECTED[A]["composite"]
    lead_muck = {row["unit"] for row in (await scores(client, "lead-muck")).json()}
    assert B in lead_muck and A not in lead_muck
    for username in ("officer", "supervisor"):
        assert (await scores(client, username)).status_code == 403


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "last-year", "", "2026-1"])
async def test_a_bad_period_is_named(client, period):
    response = await client.get(f"/api/v1/scores?period={period}", headers=await token_for(client, "office"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "period"


async def test_scores_need_a_period_and_a_login(client):
    assert (await client.get("/api/v1/scores", headers=await token_for(client, "office"))).status_code == 422
    assert (await client.get(f"/api/v1/scores?period={this_year()}")).status_code == 401


@pytest.mark.parametrize(
    "changes",
    [
        {"score_weights": (30, 25, 35, 20)},
        {"score_weights": (30, 25, 45)},
        {"score_weights": (-10, 40, 60, 10)},
        {"rating_bands": (70, 90)},
    ],
)
def test_weights_that_do_not_sum_to_100_refuse_to_start(changes):
    with pytest.raises(ValueError, match="score_weights|rating_bands"):
        Settings(**changes)
