"""The office's plain forms on a complaint's page: the assignment and the return visit take the
deadline as the bureau's wall clock, and go back to the page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import login
from tests.helpers_complaints import investigate, record
from tests.helpers_findings import auth


async def _complaint(client, uuid):
    return (await client.get(f"/api/v1/complaints/{uuid}", headers=await auth(client, "office"))).json()


async def test_the_office_assigns_and_reopens_a_complaint_by_form_with_a_local_deadline(client, settings):
    uuid = await record(client)
    await auth(client, "handler")  # its token before the browser session, which the token route refuses
    csrf = await login(client, "office")
    zone = ZoneInfo(settings.timezone)
    wall = (datetime.now(zone) + timedelta(days=5)).replace(second=0, microsecond=0, tzinfo=None)

    assigned = await client.post(
        f"/complaints/{uuid}/assign",
        data={"_csrf": csrf, "unit": "sanitation-office", "deadline": wall.strftime("%Y-%m-%dT%H:%M")},
        follow_redirects=False,
    )
    assert assigned.status_code == 303 and assigned.headers["location"] == f"/complaints/{uuid}"
    shown = await _complaint(client, uuid)
    assert shown["status"] == "assigned" and shown["unit"] == "sanitation-office"
    assert datetime.fromisoformat(shown["deadline"]) == wall.replace(tzinfo=zone)

    await investigate(client, uuid)
    later = wall + timedelta(days=3)
    visited = await client.post(
        f"/complaints/{uuid}/return-visit",
        data={
            "_csrf": csrf,
            "outcome": "unsatisfied",
            "note": "群众反映仍有异味",
            "deadline": later.strftime("%Y-%m-%dT%H:%M"),
        },
        follow_redirects=False,
    )
    assert visited.status_code == 303 and visited.headers["location"] == f"/complaints/{uuid}"
    reopened = await _complaint(client, uuid)
    assert reopened["status"] == "assigned" and reopened["reopened"] == 1
    assert datetime.fromisoformat(reopened["deadline"]) == later.replace(tzinfo=zone)


async def test_a_refused_form_step_changes_nothing(client):
    uuid = await record(client)
    csrf = await login(client, "office")
    refused = await client.post(
        f"/complaints/{uuid}/assign", data={"_csrf": csrf, "unit": "nowhere", "deadline": ""}
    )
    assert refused.status_code == 422
    assert (await _complaint(client, uuid))["status"] == "received"
