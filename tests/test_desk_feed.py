"""The desk keeps up: the live feed brings new findings, the counters when a finding moves, and
the lead's notifications when one comes; a quiet desk polls for nothing (204)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from conftest import login
from tests.helpers_app import app_for
from tests.helpers_findings import assign, auth, finding_in, new_finding, rectify
from tests.html_tree import Element, parse

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}


@pytest.fixture
async def client(settings):
    with app_for(replace(settings, deadline_sweep_seconds=0)) as app:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
            await auth(test_client, "officer")
            await auth(test_client, "handler")
            await auth(test_client, "lead")
            yield test_client


def poll_url(page: Element) -> str:
    return page.one("div", id="feed-poll").attrs["hx-get"]


def count(page: Element, key: str) -> int:
    """The number a counter card of the page shows."""
    return int(page.one("a", id=f"stat-{key}").one("span", class_="value").text)


def oob(answer: Element, key: str) -> Element:
    (element,) = [e for e in answer.iter() if e.attrs.get("hx-swap-oob") == f"innerHTML:#stat-{key}"]
    return element


async def open_desk(client) -> Element:
    page = await client.get("/desk", headers=EN)
    assert page.status_code == 200
    return parse(page.text)


async def test_a_quiet_desk_polls_for_nothing(client):
    await new_finding(client)
    await login(client, "lead")
    page = await open_desk(client)
    answer = await client.get(poll_url(page), headers=HX)
    assert answer.status_code == 204 and answer.content == b""


async def test_a_new_finding_brings_its_feed_entry_the_counters_and_a_list_refresh(client):
    await new_finding(client)
    await login(client, "lead")
    page = await open_desk(client)
    assert count(page, "new") == 1
    fresh = await new_finding(client)

    answer = await client.get(poll_url(page), headers=HX)
    assert answer.status_code == 200
    assert answer.headers["HX-Trigger"] == "desk-changed"  # desk.js reloads the filtered list
    body = parse(answer.text)
    (entries,) = [e for e in body.iter() if e.attrs.get("hx-swap-oob") == "afterbegin:#feed-list"]
    assert [li.attrs["data-finding"] for li in entries.find_all("li")] == [str(fresh)]
    assert oob(body, "new").one("span", class_="value").text == "2"
    assert oob(body, "new").one("span", class_="name").text == "New"
    # The next poll carries the new marks: nothing more until something moves.
    again = await client.get(poll_url(body), headers=HX)
    assert again.status_code == 204


async def test_an_assignment_elsewhere_updates_the_counters_without_a_new_finding(client):
    finding = await new_finding(client)
    await login(client, "lead")
    page = await open_desk(client)
    assert count(page, "new") == 1 and count(page, "assigned") == 0
    await assign(client, finding)

    answer = await client.get(poll_url(page), headers=HX)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "desk-changed"
    body = parse(answer.text)
    assert not [e for e in body.iter() if e.attrs.get("hx-swap-oob") == "afterbegin:#feed-list"]
    assert oob(body, "new").one("span", class_="value").text == "0"
    assert oob(body, "assigned").one("span", class_="value").text == "1"
    # The page's cards keep their links (with the page's filters): only their insides are sent.
    assert not body.find_all("a", id="stat-assigned")


async def test_a_submitted_report_reaches_the_open_desk_as_a_notification(client):
    finding = await finding_in(client, "assigned")
    await login(client, "lead")
    page = await open_desk(client)
    assert not page.one(id="desk-notes").find_all("span", data_kind="submitted")
    await rectify(client, finding)

    answer = await client.get(poll_url(page), headers=HX)
    assert answer.status_code == 200
    notes = parse(answer.text).one("div", id="desk-notes")
    assert notes.attrs["hx-swap-oob"] == "true"
    (kind,) = notes.find_all("span", data_kind="submitted")
    assert kind.text == "Rectification submitted for verification"
    assert notes.find_all("a", href=f"/findings/{finding}")
    assert oob(parse(answer.text), "submitted").one("span", class_="value").text == "1"


async def test_a_feed_position_that_is_not_a_number_is_refused_plainly(client):
    await login(client, "lead")
    answer = await client.get("/desk/feed?campaign=sanitation&after=0&events=x&notes=0", headers=EN)
    assert answer.status_code == 422
    assert "The live feed's position is not a number." in parse(answer.text).text
