"""The handler's pages: the unit's findings nearest deadline first, each finding with its
rectification form, the plain form's way in, and the JSON twin the phone keeps pages from."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import login
from server.db import Database
from tests.helpers_findings import (
    HERE,
    assign,
    auth,
    finding_in,
    fixture_photo,
    future,
    get_finding,
    new_finding,
    plain_jpeg,
    update_finding,
    verify,
)

EN = {"Accept-Language": "en"}
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


@pytest.fixture
async def db(settings):
    database = Database(settings)
    yield database
    await database.dispose()


class Elements(HTMLParser):
    """Every element's attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))

    def having(self, name: str) -> list[dict[str, str]]:
        return [attrs for _tag, attrs in self.found if name in attrs]


async def page(client: Any, url: str, user: str = "handler") -> Any:
    return await client.get(url, headers=await auth(client, user) | EN)


def section(html: str, start: str, end: str | None = None) -> str:
    """The part of a page between two of its markers."""
    tail = html.split(start, 1)[1]
    return tail.split(end, 1)[0] if end else tail


# --- the list ---------------------------------------------------------------------------------


async def test_the_list_puts_the_nearest_deadline_first_and_marks_overdue_and_due_soon(client, db):
    later, sooner, soon, late = [await new_finding(client) for _ in range(4)]
    await assign(client, later, deadline=future(9))
    await assign(client, sooner, deadline=future(2))
    await assign(client, soon, deadline=future(0.5))
    await assign(client, late, deadline=future(5))
    await update_finding(db, late, deadline=datetime.now(UTC) - timedelta(hours=3))

    response = await page(client, "/unit")
    assert response.status_code == 200
    rows = Elements(section(response.text, "data-unit-waiting", "</ul>")).having("data-finding")
    ids = [int(r["data-finding"]) for r in rows]
    assert ids == [late, soon, sooner, later]
    marks = {int(r["data-finding"]): r["data-mark"] for r in rows}
    assert marks == {late: "overdue", soon: "due-soon", sooner: "", later: ""}
    waiting = section(response.text, "data-unit-waiting", "</ul>")
    assert "Overdue" in waiting and "Due within a day" in waiting
    # Each open finding links to its page, which the phone keeps for use offline.
    links = Elements(waiting).having("data-offline-page")
    assert [a["href"] for a in links] == [f"/unit/findings/{i}" for i in ids]


async def test_the_list_shows_only_the_units_own_findings(client):
    mine = await new_finding(client)
    await assign(client, mine)
    theirs = await new_finding(client, campaign="muck")
    await assign(client, theirs, "lead-muck", unit="muck-office")
    unassigned = await new_finding(client)

    text = (await page(client, "/unit")).text
    listed = {int(a["data-finding"]) for a in Elements(text).having("data-finding")}
    assert mine in listed and theirs not in listed and unassigned not in listed
    other = (await page(client, "/unit", "handler-muck")).text
    assert theirs in {int(a["data-finding"]) for a in Elements(other).having("data-finding")}


async def test_rework_shows_its_reason_and_handed_in_findings_are_listed_apart(client):
    rework = await finding_in(client, "rework")
    submitted = await finding_in(client, "submitted")
    closed = await finding_in(client, "closed")

    text = (await page(client, "/unit")).text
    waiting = section(text, "data-unit-waiting", "</ul>")
    done = section(text, "data-unit-done", "</ul>")
    assert f'data-finding="{rework}"' in waiting
    assert "Sent back: the bins are still full" in waiting
    assert f'data-finding="{submitted}"' in done and f'data-finding="{closed}"' in done
    assert f'data-finding="{submitted}"' not in waiting and f'data-finding="{closed}"' not in waiting


@pytest.mark.parametrize("user", ["officer", "lead", "office", "supervisor"])
async def test_other_roles_get_403_on_the_units_pages(client, user):
    finding_id = await new_finding(client)
    await assign(client, finding_id)
    for url in ("/unit", f"/unit/findings/{finding_id}", "/api/v1/unit/findings"):
        assert (await page(client, url, user)).status_code == 403, url


async def test_the_list_has_a_json_twin_naming_the_pages_and_thumbnails_to_keep(client):
    finding_id = await new_finding(client, photos=[fixture_photo("gps_DSCN0010.jpg")])
    await assign(client, finding_id, deadline=future(3))
    closed = await finding_in(client, "closed")

    response = await page(client, "/api/v1/unit/findings")
    assert response.status_code == 200
    body = response.json()
    assert body["unit"]["code"] == "sanitation-office"
    (item,) = [f for f in body["waiting"] if f["id"] == finding_id]
    assert item["page"] == f"/unit/findings/{finding_id}"
    assert item["status"] == "assigned" and item["rework_reason"] is None
    shown = (await get_finding(client, finding_id, "handler"))["photos"][0]
    photo = shown["uuid"]
    (kept,) = item["photos"]
    assert (
        kept["url"] == f"/api/v1/photos/{photo}" and kept["thumb_url"] == f"/api/v1/photos/{photo}?size=thumb"
    )
    assert kept == shown  # a photo has one JSON shape, in the unit's list as in the Findings API
    assert closed in [f["id"] for f in body["done"]]
    thumb = await client.get(item["photos"][0]["thumb_url"], headers=await auth(client, "handler"))
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"


# --- one finding ------------------------------------------------------------------------------


async def test_the_finding_page_shows_the_finding_and_a_form_with_a_fresh_uuid(client):
    finding_id = await new_finding(client, photos=[fixture_photo("gps_DSCN0010.jpg")], site="renmin-n-rd")
    await assign(client, finding_id, deadline=future(3))
    finding = (await page(client, f"/api/v1/findings/{finding_id}")).json()

    first = await page(client, f"/unit/findings/{finding_id}")
    assert first.status_code == 200
    html = first.text
    form = Elements(html).having("data-finding")
    (attrs,) = [a for a in form if a.get("id") == "rectify-form"]
    assert attrs["data-finding"] == str(finding_id) and attrs["action"] == f"/unit/findings/{finding_id}"
    assert (float(attrs["data-lat"]), float(attrs["data-lon"])) == pytest.approx(HERE)
    uuid = re.search(rf'name="uuid" value="({UUID_RE})"', html).group(1)
    again = (await page(client, f"/unit/findings/{finding_id}")).text
    assert uuid not in again  # every opening is a new rectification
    # The finding as the handler needs it on site.
    assert f"#{finding_id}" in html and finding["item_text"] in html
    assert "found on patrol" in html  # the officer's note on the failed item
    assert "32.629300, 110.798100" in html
    assert finding["notice_number"] in html
    assert "The campaign's measures" in html and "Fixed staff, fixed posts" in html
    photo = finding["photos"][0]["uuid"]
    assert f'src="/api/v1/photos/{photo}?size=thumb"' in html
    for name in ("note", "photos", "lat", "lon", "accuracy_m", "manual_lat", "manual_lon", "recorded_at"):
        assert f'name="{name}"' in html, name
    assert 'capture="environment"' in html
    assert "js/rectify-form.js" in html
    deadline = datetime.fromisoformat(finding["deadline"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert deadline.strftime("%Y-%m-%d %H:%M") in html


async def test_the_latest_rework_reason_is_on_the_finding_page(client):
    finding_id = await finding_in(client, "rework")
    await verify(client, finding_id, "close", expect=409)  # nothing submitted since the rework
    html = (await page(client, f"/unit/findings/{finding_id}")).text
    assert "data-rework" in html and "the bins are still full" in html
    assert 'id="rectify-form"' in html
    assert "Rectifications handed in" in html


async def test_another_units_finding_is_404_and_a_handed_in_one_has_no_form(client):
    theirs = await new_finding(client, campaign="muck")
    await assign(client, theirs, "lead-muck", unit="muck-office")
    unassigned = await new_finding(client)
    for finding_id in (theirs, unassigned, 999999):
        assert (await page(client, f"/unit/findings/{finding_id}")).status_code == 404
    submitted = await finding_in(client, "submitted")
    html = (await page(client, f"/unit/findings/{submitted}")).text
    assert 'id="rectify-form"' not in html and "the campaign's lead is verifying it" in html


# --- the plain form ---------------------------------------------------------------------------


async def test_the_plain_form_submits_once_and_a_second_post_of_it_changes_nothing(client):
    finding_id = await new_finding(client)
    await assign(client, finding_id)
    csrf = await login(client, "handler")
    html = (await client.get(f"/unit/findings/{finding_id}", headers=EN)).text
    uuid = re.search(rf'name="uuid" value="({UUID_RE})"', html).group(1)
    recorded_at = re.search(r'name="recorded_at" value="([^"]+)"', html).group(1)
    fields = {
        "_csrf": csrf,
        "uuid": uuid,
        "recorded_at": recorded_at,
        "lat": "",
        "lon": "",
        "accuracy_m": "",
        "source": "gps",
        "manual_lat": str(HERE[0]),
        "manual_lon": str(HERE[1]),
        "note": "swept and emptied",
    }
    photo = plain_jpeg()
    for _ in range(2):
        response = await client.post(
            f"/unit/findings/{finding_id}",
            data=fields,
            files={"photos": ("after.jpg", photo, "image/jpeg")},
            headers=EN,
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/unit/findings/{finding_id}?saved=1"
    finding = await get_finding(client, finding_id, "lead")
    assert finding["status"] == "submitted"
    (rect,) = finding["rectifications"]
    assert rect["uuid"] == uuid and rect["note"] == "swept and emptied"
    assert rect["location"]["source"] == "manual" and rect["status"] == "complete"
    assert len(rect["photos"]) == 1 and rect["photos"][0]["received"]
    shown = await client.get(f"/unit/findings/{finding_id}?saved=1", headers=EN)
    assert "The rectification is saved on the server." in shown.text


async def test_the_plain_form_without_a_photo_or_a_position_says_what_is_missing(client):
    finding_id = await new_finding(client)
    await assign(client, finding_id)
    csrf = await login(client, "handler")
    html = (await client.get(f"/unit/findings/{finding_id}", headers=EN)).text
    uuid = re.search(rf'name="uuid" value="({UUID_RE})"', html).group(1)
    response = await client.post(
        f"/unit/findings/{finding_id}",
        data={"_csrf": csrf, "uuid": uuid, "recorded_at": datetime.now(UTC).isoformat(), "note": "done"},
        headers=EN,
    )
    assert response.status_code == 422
    assert "A rectification needs at least one after-photo." in response.text
    assert "An after-photo needs the position where it was taken" in response.text
    assert f'value="{uuid}"' in response.text  # the same rectification when sent again
    assert (await get_finding(client, finding_id, "lead"))["rectifications"] == []
    bad = await client.post(
        f"/unit/findings/{finding_id}",
        data={"_csrf": csrf, "uuid": uuid, "manual_lat": "32.6", "manual_lon": "110.7"},
        files={"photos": ("x.jpg", b"not an image", "image/jpeg")},
        headers=EN,
    )
    assert bad.status_code == 422 and "A photo was refused" in bad.text
    assert (await get_finding(client, finding_id, "lead"))["rectifications"] == []
