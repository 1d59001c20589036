"""The lead's desk, a finding's page and its notice, the office page: what the people using them see.

Findings are made through the APIs as phones and programs make them; the pages are read as
a browser gets them (and as htmx gets its fragments), and their forms are posted like a
browser posts them, CSRF token and all.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient

from conftest import check_body, csrf_from, login, new_uuid
from server.app import create_app
from server.db import Database
from server.findings.workflow import Workflow
from server.maps.gcj02 import wgs84_to_gcj02
from tests.helpers_app import app_for
from tests.helpers_findings import (
    HERE,
    assign,
    auth,
    covert_finding,
    finding_in,
    fixture_photo,
    get_finding,
    new_finding,
    offset,
    plain_jpeg,
    record_check,
    rectify,
    update_finding,
    with_exif,
)
from tests.html_tree import parse

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def client(settings):
    with app_for(replace(settings, deadline_sweep_seconds=0)) as app:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
            await bearer_tokens(test_client)
            yield test_client


@pytest.fixture
async def db(settings):
    database = Database(settings)
    yield database
    await database.dispose()


async def bearer_tokens(client) -> None:
    """The API helpers' tokens, fetched before any browser log-in: a program asking for a token
    with the browser's session cookie would need the session's CSRF token too."""
    for user in ("officer", "supervisor", "lead", "lead-muck", "handler", "office"):
        await auth(client, user)


async def post(client, path: str, **kwargs):
    """A form posted like a browser posts it; the test looks at the redirect itself."""
    return await client.post(path, follow_redirects=False, **kwargs)


def ids_in(html: str) -> set[int]:
    """The findings a list shows (each row carries its finding's number)."""
    return {int(n) for n in re.findall(r'class="finding-row[^"]*" data-finding="(\d+)"', html)}


def feed_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="feed-item[^"]*" data-finding="(\d+)"', html)]


def local_input(days: float) -> str:
    """What a datetime-local field holds for a moment so many days away, in the bureau's zone."""
    return (datetime.now(UTC) + timedelta(days=days)).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


async def status_of(client, finding_id: int) -> str:
    return (await get_finding(client, finding_id))["status"]


# --- the desk ----------------------------------------------------------------------------


async def test_a_lead_sees_the_findings_of_their_campaign_and_no_other(client):
    mine = await new_finding(client, campaign="sanitation")
    other = await new_finding(client, campaign="muck")
    await login(client, "lead")
    desk = await client.get("/desk", headers=EN)
    assert desk.status_code == 200
    assert mine in ids_in(desk.text) and other not in ids_in(desk.text)
    assert mine in feed_ids(desk.text)
    # lead leads sanitation and parks; muck is not on their desk, whatever the address says.
    assert 'href="/desk?campaign=parks"' in desk.text and "campaign=muck" not in desk.text
    refused = await client.get("/desk?campaign=muck", headers=EN)
    assert refused.status_code == 404 and "There is no campaign muck on your desk." in refused.text
    assert (await client.get(f"/findings/{other}", headers=EN)).status_code == 404
    assert (await client.get("/desk/feed?campaign=muck&after=0")).status_code == 404


async def test_the_office_has_a_desk_for_every_campaign(client):
    muck = await new_finding(client, campaign="muck")
    await login(client, "office")
    desk = await client.get("/desk?campaign=muck", headers=EN)
    assert desk.status_code == 200 and muck in ids_in(desk.text)
    for code in ("sanitation", "muck", "dust", "parks", "lighting", "landscape", "conduct"):
        assert f'href="/desk?campaign={code}"' in desk.text


@pytest.mark.parametrize("user", ["officer", "handler", "supervisor"])
async def test_roles_without_a_desk_get_403(client, user):
    await login(client, user)
    for path in ("/desk", "/desk/feed?campaign=sanitation&after=0", "/desk/map.json?campaign=sanitation"):
        response = await client.get(path, headers=EN)
        assert response.status_code == 403, path
    assert (await client.get("/office", headers=EN)).status_code == 403


async def test_filters_narrow_the_list_and_htmx_gets_only_the_list(client):
    critical = await new_finding(client, severity="critical")
    minor = await new_finding(client, severity="minor")
    assigned = await new_finding(client, severity="minor")
    await assign(client, assigned)
    await login(client, "lead")

    page = await client.get("/desk?campaign=sanitation&severity=critical", headers=EN)
    assert ids_in(page.text) == {critical}
    page = await client.get("/desk?campaign=sanitation&status=assigned", headers=EN)
    assert ids_in(page.text) == {assigned}
    page = await client.get("/desk?campaign=sanitation&severity=minor&status=new", headers=EN)
    assert ids_in(page.text) == {minor}
    page = await client.get("/desk?campaign=sanitation&unit=sanitation-office", headers=EN)
    assert ids_in(page.text) == {assigned}
    today = datetime.now(UTC).astimezone(ZONE).date()
    page = await client.get(f"/desk?campaign=sanitation&since={today}&until={today}", headers=EN)
    assert ids_in(page.text) == {critical, minor, assigned}
    page = await client.get(f"/desk?campaign=sanitation&since={today + timedelta(days=1)}", headers=EN)
    assert ids_in(page.text) == set() and "No findings." in page.text

    fragment = await client.get("/desk?campaign=sanitation&severity=critical", headers=HX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="desk-results"')
    assert "<html" not in fragment.text and ids_in(fragment.text) == {critical}
    assert "HX-Request" in fragment.headers.get("vary", "")
    # The map follows the same filters.
    assert 'data-map-src="/desk/map.json?campaign=sanitation&amp;severity=critical"' in fragment.text


async def test_the_site_filter(client):
    at_site = await new_finding(client, site="gongyuan-rd")
    elsewhere = await new_finding(client)
    await login(client, "lead")
    page = await client.get("/desk?campaign=sanitation&site=gongyuan-rd", headers=EN)
    assert at_site in ids_in(page.text) and elsewhere not in ids_in(page.text)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=bogus", "status", "Unknown status."),
        ("severity=huge", "severity", "Severity must be one of minor, major, critical."),
        ("unit=nobody", "unit", "Unknown unit code: nobody."),
        ("site=nowhere", "site", "Unknown site code: nowhere."),
        ("since=yesterday", "since", "Give the date as YYYY-MM-DD, like 2026-11-28."),
        ("since=2026-12-05&until=2026-12-01", "until", "The end date is before the start date."),
        ("due=later", "due", "Choose overdue or due within a day."),
        ("sort=random", "sort", "Sort by deadline or by newest."),
        ("page=0", "page", "The page is a whole number from 1."),
        ("page=x", "page", "The page is a whole number from 1."),
        ("page=%C2%B2", "page", "The page is a whole number from 1."),
        ("page=99999999999999999999999", "page", "The page is a whole number from 1."),
        ("until=9999-12-31", "until", "Give the date as YYYY-MM-DD, like 2026-11-28."),
        ("since=0001-01-01", "since", "Give the date as YYYY-MM-DD, like 2026-11-28."),
    ],
)
async def test_a_bad_filter_says_what_is_wrong_with_a_4xx(client, query, field, message):
    await new_finding(client)
    await login(client, "lead")
    page = await client.get(f"/desk?campaign=sanitation&{query}", headers=EN)
    assert page.status_code == 422
    assert "The filters have mistakes." in page.text and message in page.text
    assert f"<code>{field}</code>" in page.text
    assert ids_in(page.text) == set()
    fragment = await client.get(f"/desk?campaign=sanitation&{query}", headers=HX)
    assert fragment.status_code == 422 and message in fragment.text and "<html" not in fragment.text
    as_json = await client.get(f"/desk/map.json?campaign=sanitation&{query}", headers=EN)
    assert as_json.status_code == 422 and as_json.json()["errors"][0]["field"] == field


async def test_three_hundred_open_findings_come_in_pages_sorted_by_deadline_or_newest(client):
    items = [f"san-0{n}" for n in range(1, 6)]
    headers = await auth(client, "officer")
    made: list[int] = []
    for n in range(12):  # 12 checks failing 5 items: 60 findings
        body = check_body(
            location={"lat": HERE[0] + n * 0.001, "lon": HERE[1], "accuracy_m": 5.0, "source": "gps"},
            answers=[{"item": i, "result": "fail", "severity": "minor", "note": ""} for i in items],
        )
        response = await client.put(f"/api/v1/checks/{new_uuid()}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        made += [f["id"] for f in response.json()["findings"]]
    assert len(made) == 60
    # Two of them get deadlines: they come first when sorted by deadline, the nearest first.
    await assign(client, made[10], deadline=(datetime.now(UTC) + timedelta(days=5)).isoformat())
    await assign(client, made[40], deadline=(datetime.now(UTC) + timedelta(days=2)).isoformat())
    await login(client, "lead")

    first = await client.get("/desk?campaign=sanitation", headers=EN)
    assert len(ids_in(first.text)) == 50 and "Findings 1 to 50" in first.text
    assert 'rel="next" href="/desk?campaign=sanitation&amp;page=2"' in first.text
    assert max(made) in ids_in(first.text)
    second = await client.get("/desk?campaign=sanitation&page=2", headers=HX)
    assert len(ids_in(second.text)) == 10 and ids_in(first.text).isdisjoint(ids_in(second.text))
    assert (
        "Findings 51 to 60" in second.text and 'rel="next"' not in second.text and 'rel="prev"' in second.text
    )
    assert ids_in(first.text) | ids_in(second.text) == set(made)

    by_deadline = await client.get("/desk?campaign=sanitation&sort=deadline", headers=EN)
    order = [int(n) for n in re.findall(r'class="finding-row[^"]*" data-finding="(\d+)"', by_deadline.text)]
    # Nearest deadline first lists the deadlines still running; with a status chosen, that status.
    assert order == [made[40], made[10]] and "the findings whose deadline is running" in by_deadline.text
    new_by_deadline = await client.get(
        "/desk?campaign=sanitation&status=new&sort=deadline&page=2", headers=EN
    )
    assert len(ids_in(new_by_deadline.text)) == 8
    newest = [int(n) for n in re.findall(r'class="finding-row[^"]*" data-finding="(\d+)"', first.text)]
    assert newest == sorted(newest, reverse=True)


async def test_the_feed_returns_only_findings_newer_than_the_last_seen(client):
    first = await new_finding(client)
    await login(client, "lead")
    desk = await client.get("/desk", headers=EN)
    assert f'data-after="{first}"' in desk.text
    assert 'hx-trigger="every 10s"' in desk.text

    assert (await client.get(f"/desk/feed?campaign=sanitation&after={first}", headers=HX)).status_code == 204
    second = await new_finding(client)
    third = await new_finding(client)
    await new_finding(client, campaign="muck")  # not on this desk
    fresh = await client.get(f"/desk/feed?campaign=sanitation&after={first}", headers=HX)
    assert fresh.status_code == 200
    assert feed_ids(fresh.text) == [third, second]
    assert 'hx-swap-oob="afterbegin:#feed-list"' in fresh.text
    assert f'data-after="{third}"' in fresh.text  # the next poll asks from here
    assert (await client.get(f"/desk/feed?campaign=sanitation&after={third}", headers=HX)).status_code == 204
    for after in ("x", "%C2%B2", "9" * 30):
        bad = await client.get(f"/desk/feed?campaign=sanitation&after={after}", headers=HX)
        assert bad.status_code == 422, after


async def test_the_map_uses_wgs84_without_tiles_and_shows_a_scale_on_a_plain_background(client):
    where = (32.63512, 110.77931)
    finding = await new_finding(client, where=where)
    await login(client, "lead")
    desk = await client.get("/desk", headers=EN)
    assert '"tileUrl": ""' in desk.text and "is-plain" in desk.text
    assert "leaflet-1.9.4/leaflet.js" in desk.text and "js/map.js" in desk.text
    data = (await client.get("/desk/map.json?campaign=sanitation", headers=EN)).json()
    assert data["crs"] == "wgs84"
    (point,) = [p for p in data["points"] if p["id"] == finding]
    assert (point["lat"], point["lon"]) == pytest.approx(where, abs=1e-7)
    assert point["url"] == f"/findings/{finding}" and point["status"] == "new"


async def test_the_map_converts_to_gcj02_for_chinese_tiles(settings):
    tiles = replace(
        settings,
        deadline_sweep_seconds=0,
        tile_url="https://tiles.example.invalid/{z}/{x}/{y}.png",
        tile_attribution="© Example tiles",
        tile_crs="gcj02",
    )
    async with AsyncTestClient(app=create_app(tiles), base_url="http://testserver.local") as client:
        await bearer_tokens(client)
        where = (32.63512, 110.77931)
        finding = await new_finding(client, where=where)
        await login(client, "lead")
        desk = await client.get("/desk", headers=EN)
        config = json.loads(html.unescape(re.search(r"data-map='([^']*)'", desk.text).group(1)))
        assert config["tileUrl"] == "https://tiles.example.invalid/{z}/{x}/{y}.png"
        assert config["attribution"] == "© Example tiles" and config["crs"] == "gcj02"
        assert config["center"] == pytest.approx(wgs84_to_gcj02(*settings.map_center), abs=1e-6)
        data = (await client.get("/desk/map.json?campaign=sanitation", headers=EN)).json()
        assert data["crs"] == "gcj02"
        (point,) = [p for p in data["points"] if p["id"] == finding]
        expected = wgs84_to_gcj02(*where)
        assert (point["lat"], point["lon"]) == pytest.approx(expected, abs=1e-6)
        assert abs(point["lon"] - where[1]) > 0.003  # hundreds of metres: the conversion happened


async def test_counts_overdue_and_due_soon_on_the_desk(client, db):
    overdue = await finding_in(client, "assigned")
    soon = await finding_in(client, "assigned")
    later = await finding_in(client, "assigned")
    await update_finding(db, overdue, deadline=datetime.now(UTC) - timedelta(hours=3))
    await update_finding(db, soon, deadline=datetime.now(UTC) + timedelta(hours=5))
    await login(client, "lead")
    desk = (await client.get("/desk", headers=EN)).text
    assert re.search(r'data-count="overdue">\s*<span class="value">1<', desk)
    assert re.search(r'data-count="due-soon">\s*<span class="value">1<', desk)
    assert re.search(r'data-count="assigned">\s*<span class="value">3<', desk)
    overdue_list = desk.split('class="list compact overdue-list"')[1].split("</ul>")[0]
    assert f"#{overdue} " in overdue_list and f"#{soon} " not in overdue_list
    assert re.search(rf'class="finding-row overdue" data-finding="{overdue}"', desk)
    assert re.search(rf'class="finding-row due-soon" data-finding="{soon}"', desk)
    assert re.search(rf'class="finding-row " data-finding="{later}"', desk)
    only_overdue = await client.get("/desk?campaign=sanitation&due=overdue", headers=EN)
    assert ids_in(only_overdue.text) == {overdue}


async def test_escalations_reach_the_leads_desk_as_notifications(client, db, settings):
    finding = await finding_in(client, "assigned")
    await update_finding(db, finding, deadline=datetime.now(UTC) - timedelta(minutes=5))
    assert await Workflow(db, settings).sweep_deadlines() == [finding]
    await login(client, "lead")
    desk = (await client.get("/desk", headers=EN)).text
    notes = desk.split('id="notes-h"')[1].split("</section>")[0]
    assert "Deadline passed" in notes and f'href="/findings/{finding}"' in notes
    form = desk.split('action="/desk/notifications/read"')[1]
    read = await post(
        client, "/desk/notifications/read", data={"_csrf": csrf_from(form), "campaign": "sanitation"}
    )
    assert read.status_code == 303
    after = (await client.get("/desk", headers=EN)).text
    assert "Mark all as read" not in after and "Deadline passed" in after


async def test_indicators_of_the_month_with_definitions_and_no_data(client):
    await login(client, "lead")
    empty = (await client.get("/desk", headers=EN)).text
    assert empty.count('<span class="no-data">no data</span>') == 4
    assert "Handling rate (处置率)" in empty and "Closure rate (结案率)" in empty
    assert (
        "On-time rate (按期处置率)" in empty and "Rework rate (返工率)" in empty and "Overdue (超期)" in empty
    )

    await finding_in(client, "closed")
    await new_finding(client)
    desk = (await client.get("/desk", headers=EN)).text
    closure = desk.split('data-indicator="closure"')[1].split("</div>")[0]
    assert "50.0%" in closure and "1 / 2" in closure
    handling = desk.split('data-indicator="handling"')[1].split("</div>")[0]
    assert "50.0%" in handling and "1 / 2" in handling
    rework = desk.split('data-indicator="rework"')[1].split("</div>")[0]
    assert "0.0%" in rework and "0 / 1" in rework


async def test_the_desk_speaks_chinese_by_default(client):
    await new_finding(client)
    await login(client, "lead")
    desk = (await client.get("/desk")).text
    assert "环境卫生" in desk and "处置率" in desk


# --- a finding's page and its forms ------------------------------------------------------


async def test_the_finding_page_shows_photos_position_and_history(client):
    photo = plain_jpeg()
    receipt = await record_check(client, photos=[photo], site="gongyuan-rd")
    finding = receipt["findings"][0]["id"]
    await assign(client, finding, reason="clear the bins by noon")
    await login(client, "lead")
    page = await client.get(f"/findings/{finding}", headers=EN)
    assert page.status_code == 200
    text = page.text
    photo_uuid = receipt["photo_uuids"][0]
    assert f'href="/api/v1/photos/{photo_uuid}"' in text
    assert f'src="/api/v1/photos/{photo_uuid}?size=thumb"' in text
    assert "32.629300, 110.798100" in text
    history = text.split('class="list compact history"')[1]
    assert 'data-action="assigned"' in history and "clear the bins by noon" in history
    assert "Wang Zhiqiang" in history  # who assigned it
    assert (
        f'href="/findings/{finding}/notice"' in text
        and f'href="/api/v1/findings/{finding}/notice.pdf"' in text
    )


async def test_assigning_through_the_form(client):
    finding = await new_finding(client)
    csrf = await login(client, "lead")
    page = (await client.get(f"/findings/{finding}", headers=EN)).text
    assert f'action="/findings/{finding}/assign"' in page
    assert '<option value="sanitation-office" selected>' in page  # the campaign's responsible unit

    past = await post(
        client,
        f"/findings/{finding}/assign",
        data={"_csrf": csrf, "unit": "sanitation-office", "deadline": local_input(-1)},
        headers=EN,
    )
    assert past.status_code == 422
    assert "The deadline is in the past; give a later one." in past.text
    assert await status_of(client, finding) == "new"

    missing = await post(
        client,
        f"/findings/{finding}/assign",
        data={"_csrf": csrf, "unit": "sanitation-office", "deadline": ""},
        headers=EN,
    )
    assert missing.status_code == 422 and "Choose the date and time of the deadline." in missing.text

    deadline = local_input(4)
    done = await post(
        client,
        f"/findings/{finding}/assign",
        data={"_csrf": csrf, "unit": "sanitation-office", "deadline": deadline, "reason": "by Friday"},
        headers=EN,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/findings/{finding}?done=assigned"
    body = await get_finding(client, finding)
    assert body["status"] == "assigned" and body["unit"]["code"] == "sanitation-office"
    assert datetime.fromisoformat(body["deadline"]).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M") == deadline
    shown = (await client.get(done.headers["location"], headers=EN)).text
    assert "Assigned. The rectification notice is issued." in shown

    again = await post(
        client,
        f"/findings/{finding}/assign",
        data={"_csrf": csrf, "unit": "sanitation-office", "deadline": local_input(4)},
        headers=EN,
    )
    assert again.status_code == 409 and "Only a new finding can be assigned." in again.text


async def test_a_form_without_its_csrf_token_changes_nothing(client):
    finding = await new_finding(client)
    await login(client, "lead")
    response = await post(
        client,
        f"/findings/{finding}/assign",
        data={"unit": "sanitation-office", "deadline": local_input(3)},
        headers=EN,
    )
    assert response.status_code == 403
    assert await status_of(client, finding) == "new"


async def test_verifying_rework_and_close_through_the_forms(client):
    finding = await finding_in(client, "submitted")
    csrf = await login(client, "lead")
    page = (await client.get(f"/findings/{finding}", headers=EN)).text
    assert 'id="verify"' in page and "Accept and close" in page and "Send back for rework" in page

    no_reason = await post(
        client,
        f"/findings/{finding}/verify",
        data={
            "_csrf": csrf,
            "_action": "rework",
            "outcome": "rework",
            "reason": "  ",
            "deadline": local_input(2),
        },
        headers=EN,
    )
    assert no_reason.status_code == 422
    assert "Say why the rectification is sent back" in no_reason.text
    assert '<span class="field-error">A reason is required.</span>' in no_reason.text
    assert await status_of(client, finding) == "submitted"

    past = await post(
        client,
        f"/findings/{finding}/verify",
        data={
            "_csrf": csrf,
            "_action": "rework",
            "outcome": "rework",
            "reason": "still dirty",
            "deadline": local_input(-0.5),
        },
        headers=EN,
    )
    assert past.status_code == 422 and "The deadline is in the past" in past.text
    assert "still dirty" in past.text  # what was typed is kept
    assert await status_of(client, finding) == "submitted"

    sent_back = await post(
        client,
        f"/findings/{finding}/verify",
        data={
            "_csrf": csrf,
            "_action": "rework",
            "outcome": "rework",
            "reason": "still dirty",
            "deadline": local_input(2),
        },
        headers=EN,
    )
    assert sent_back.status_code == 303
    body = await get_finding(client, finding)
    assert body["status"] == "rework" and body["rework_count"] == 1
    assert body["history"][-1]["reason"] == "still dirty"

    await rectify(client, finding)
    closed = await post(
        client,
        f"/findings/{finding}/verify",
        data={"_csrf": csrf, "outcome": "close", "reason": ""},
        headers=EN,
    )
    assert closed.status_code == 303 and closed.headers["location"].endswith("?done=closed")
    assert await status_of(client, finding) == "closed"
    page = (await client.get(f"/findings/{finding}", headers=EN)).text
    assert 'id="verify"' not in page and 'id="assign"' not in page


async def test_a_lead_of_another_campaign_and_a_handler_cannot_act(client):
    finding = await new_finding(client)
    await login(client, "lead-muck")
    assert (await client.get(f"/findings/{finding}", headers=EN)).status_code == 404

    assigned = await finding_in(client, "assigned")
    client.cookies.clear()
    csrf = await login(client, "handler")
    page = await client.get(f"/findings/{assigned}", headers=EN)
    assert page.status_code == 200 and 'id="assign"' not in page.text and 'id="verify"' not in page.text
    refused = await post(
        client,
        f"/findings/{assigned}/verify",
        data={"_csrf": csrf, "outcome": "rework", "reason": "x", "deadline": local_input(2)},
        headers=EN,
    )
    assert refused.status_code == 403
    assert "Only the campaign's lead or the supervision office may do this." in html.unescape(refused.text)
    assert await status_of(client, assigned) == "assigned"


async def test_the_far_away_flag_is_in_front_of_the_verify_form(client):
    finding = await finding_in(client, "assigned")
    far = offset(*HERE, north_m=400)
    await rectify(client, finding, where=far)
    await login(client, "lead")
    page = (await client.get(f"/findings/{finding}", headers=EN)).text
    verify_section = page.split('id="verify"')[1].split("</section>")[0]
    flags = verify_section.split('class="verify-forms"')[0]
    assert 'data-flag="far"' in flags and "farther than 50 m" in flags
    assert "look before you close" in flags


async def test_a_clean_rectification_says_there_are_no_warnings(client):
    finding = await finding_in(client, "assigned")
    camera_clock = (datetime.now(UTC) + timedelta(minutes=1)).astimezone(ZONE).replace(tzinfo=None)
    photo = with_exif(plain_jpeg(), taken=camera_clock, position=offset(*HERE, north_m=8))
    await rectify(client, finding, photos=[photo])
    await login(client, "lead")
    page = (await client.get(f"/findings/{finding}", headers=EN)).text
    assert "No warnings" in page.split('id="verify"')[1]


async def test_likely_duplicates_are_offered_and_merged_from_the_page(client):
    first = await new_finding(client)
    second = await new_finding(client, where=offset(*HERE, north_m=10))
    far = await new_finding(client, where=offset(*HERE, north_m=500))
    csrf = await login(client, "lead")
    page = (await client.get(f"/findings/{second}", headers=EN)).text
    offered = page.split('id="duplicates"')[1].split("</section>")[0]
    assert f'data-duplicate="{first}"' in offered and f'data-duplicate="{far}"' not in offered
    assert "10 m away" in offered

    merged = await post(
        client, f"/findings/{second}/merge", data={"_csrf": csrf, "into": str(first)}, headers=EN
    )
    assert merged.status_code == 303
    assert await status_of(client, second) == "merged"
    target = (await client.get(f"/findings/{first}", headers=EN)).text
    assert f'href="/findings/{second}"' in target  # the duplicate is listed, nothing lost

    for into in ("abc", "²", "9" * 40):
        wrong = await post(client, f"/findings/{far}/merge", data={"_csrf": csrf, "into": into}, headers=EN)
        assert wrong.status_code == 422 and "Say which finding this one duplicates." in wrong.text
    missing = await post(client, f"/findings/{far}/merge", data={"_csrf": csrf, "into": "999999"}, headers=EN)
    assert missing.status_code == 404 and "There is no finding 999999 that you may see." in missing.text
    assert 'id="duplicates"' not in missing.text or "merge" in missing.text  # the page, with the message


async def test_the_office_discloses_a_covert_finding_from_its_page(client):
    _check, finding = await covert_finding(client)
    await login(client, "lead")
    assert (await client.get(f"/findings/{finding}", headers=EN)).status_code == 404
    client.cookies.clear()
    csrf = await login(client, "office")
    page = (await client.get(f"/findings/{finding}", headers=EN)).text
    assert 'id="disclose"' in page and 'id="assign"' not in page
    office = (await client.get("/office", headers=EN)).text
    assert f'data-finding="{finding}"' in office.split("Covert findings waiting for disclosure")[1]
    done = await post(client, f"/findings/{finding}/disclose", data={"_csrf": csrf}, headers=EN)
    assert done.status_code == 303
    client.cookies.clear()
    await login(client, "lead")
    page = await client.get(f"/findings/{finding}", headers=EN)
    assert page.status_code == 200 and 'id="assign"' in page.text


async def test_the_printable_notice_has_the_number_and_the_measures(client):
    photo = plain_jpeg()
    receipt = await record_check(client, photos=[photo])
    finding = receipt["findings"][0]["id"]
    number = (await assign(client, finding)).json()["notice_number"]
    await login(client, "lead")
    notice = await client.get(f"/findings/{finding}/notice", headers=EN)
    assert notice.status_code == 200
    text = notice.text
    assert "整改通知书" in text and number in text
    campaign = (await client.get("/api/v1/campaigns", headers=await auth(client, "lead"))).json()
    measures = next(c for c in campaign if c["code"] == "sanitation")["measures"]
    first_line = next(line for line in measures.splitlines() if line.strip())
    assert first_line.strip() in text
    assert (
        "市环境卫生管理处" in text
    )  # the unit it is addressed to, in Chinese whatever the reader's language
    assert f'src="/api/v1/photos/{receipt["photo_uuids"][0]}"' in text
    assert "@media print" in (await client.get("/static/css/desk.css")).text

    unassigned = await new_finding(client)
    refused = await client.get(f"/findings/{unassigned}/notice", headers=EN)
    assert refused.status_code == 409 and "issued when the finding is assigned" in refused.text


async def test_the_office_reads_the_audit_trail_and_the_lead_does_not(client):
    finding = await finding_in(client, "submitted")
    await login(client, "lead")
    lead_page = (await client.get(f"/findings/{finding}", headers=EN)).text
    assert "Audit trail" not in lead_page and 'class="audit-trail"' not in lead_page
    client.cookies.clear()
    await login(client, "office")
    page = (await client.get(f"/findings/{finding}", headers=EN)).text
    trail = parse(page).one("ol", class_="audit-trail")
    entries = {li.attrs["data-action"]: li.text for li in trail.find_all("li")}
    for action in ("finding.assigned", "rectification.recorded", "photo.received", "finding.submitted"):
        assert action in entries, action
    # Each entry is a sentence saying who did what to which record, not a code or a hash.
    assert entries["finding.assigned"].startswith(f"Wang Zhiqiang assigned finding #{finding} to ")
    assert "Zhou Haiyan" in entries["finding.submitted"]
    assert not re.search(r"\b[0-9a-f]{12}\b", trail.text)
    assert "finding.assigned" not in trail.text


async def test_the_office_page_links_every_campaign_desk(client):
    overdue = await finding_in(client, "assigned")
    await login(client, "office")
    page = await client.get("/office", headers=EN)
    assert page.status_code == 200
    for code in ("sanitation", "muck", "dust", "parks", "lighting", "landscape", "conduct"):
        assert f'href="/desk?campaign={code}"' in page.text
    assert f'data-finding="{overdue}"' in page.text


async def test_a_far_photo_from_italy_is_flagged_on_the_page(client):
    finding = await finding_in(client, "assigned")
    await rectify(client, finding, photos=[fixture_photo("gps_DSCN0010.jpg")])
    await login(client, "lead")
    page = (await client.get(f"/findings/{finding}", headers=EN)).text
    flags = page.split('id="verify"')[1].split('class="verify-forms"')[0]
    assert 'data-flag="far"' in flags and "km from the finding" in flags
