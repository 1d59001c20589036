"""The findings API and the lead's desk read their filters the same way, with the same messages."""

from __future__ import annotations

import pytest

from conftest import login
from tests.helpers_findings import auth, new_finding

pytestmark = pytest.mark.anyio

EN = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status", "lost", "Unknown status."),
        ("unit", "nowhere-office", "Unknown unit code: nowhere-office."),
        ("site", "no-such-site", "Unknown site code: no-such-site."),
        ("severity", "huge", "Severity must be one of minor, major, critical."),
    ],
)
async def test_a_wrong_filter_gets_the_same_message_from_the_api_and_the_desk(client, field, value, message):
    api = await client.get(
        "/api/v1/findings",
        params={"campaign": "sanitation", field: value},
        headers=await auth(client, "lead") | EN,
    )
    await login(client, "lead")
    desk = await client.get("/desk/map.json", params={"campaign": "sanitation", field: value}, headers=EN)
    assert api.status_code == desk.status_code == 422
    assert api.json()["errors"] == desk.json()["errors"] == [{"field": field, "message": message}]


async def test_open_findings_are_a_choice_of_the_desk_not_a_status_of_the_api(client):
    finding = await new_finding(client)
    api = await client.get(
        "/api/v1/findings", params={"status": "open"}, headers=await auth(client, "lead") | EN
    )
    assert api.status_code == 422 and api.json()["errors"] == [
        {"field": "status", "message": "Unknown status."}
    ]
    await login(client, "lead")
    desk = await client.get("/desk/map.json", params={"campaign": "sanitation", "status": "open"}, headers=EN)
    assert desk.status_code == 200
    assert finding in [p["id"] for p in desk.json()["points"]]


async def test_the_api_takes_moments_and_the_desk_takes_days(client):
    """A date alone is a day of the bureau's calendar on the desk; the API wants a moment with its offset."""
    api = await client.get(
        "/api/v1/findings",
        params={"since": "2026-11-01T00:00:00"},
        headers=await auth(client, "lead") | EN,
    )
    assert api.status_code == 422
    assert api.json()["errors"] == [{"field": "since", "message": "Add an offset such as +08:00."}]
    await login(client, "lead")
    desk = await client.get(
        "/desk/map.json",
        params={"campaign": "sanitation", "since": "2026-11-02", "until": "2026-11-01"},
        headers=EN,
    )
    assert desk.status_code == 422
    assert desk.json()["errors"] == [{"field": "until", "message": "The end date is before the start date."}]
