"""The lead's desk in a real browser: a finding recorded in the street reaches the open desk
without a reload; the lead assigns it; a rectification photographed far away is flagged in
front of the lead."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.phone import wait_in_page
from tests.live import LiveServer
from tests.support import fixture_photo

pytestmark = pytest.mark.browser

PASSWORD = "xuncha-demo"
CHINA = timezone(timedelta(hours=8))
WHERE = (32.6301, 110.7975)  # a street in central Shiyan
FAR_PHOTO = "gps_DSCN0010.jpg"  # its EXIF position is in Italy
BEFORE_PHOTO = "orientation_portrait_6.jpg"


class Api:
    """A program (or a phone's outbox) speaking the sync API as one user."""

    def __init__(self, live: LiveServer, username: str) -> None:
        self.http = httpx.Client(base_url=live.url, timeout=15, headers={"Accept-Language": "en"})
        token = self.http.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['token']}"

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.put(path, **kwargs)
        assert response.status_code in (200, 201), response.text
        return response

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def desk(browser: Browser, live: LiveServer) -> Iterator[BrowserContext]:
    """The lead at a desktop browser, in English."""
    context = browser.new_context(
        base_url=live.url,
        locale="en-US",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1366, "height": 900},
        service_workers="allow",
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def lead_page(desk: BrowserContext, live: LiveServer) -> Iterator[Page]:
    page = desk.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: None if r.url.startswith(live.url) else foreign.append(r.url))
    # The page's clock, so a test can move it to the feed's next poll (next_poll) instead of
    # waiting up to 10 s for it; otherwise it runs as usual.
    page.clock.install()
    page.goto("/login")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button")
    page.wait_for_url("**/desk")
    yield page
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not foreign, f"the desk fetched from the internet: {foreign}"


def next_poll(page: Page) -> None:
    """Move the desk's clock on by the feed's 10 s: its poller asks the server now, on its own timer."""
    page.clock.fast_forward(10_000)


def record_check(officer: Api, photo: bytes) -> int:
    """The officer's phone sends a check failing one item, with its photo; returns the finding."""
    check, photo_uuid = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    recorded = (datetime.now(UTC) - timedelta(minutes=2)).astimezone(CHINA).replace(microsecond=0)
    body = {
        "campaign": "sanitation",
        "kind": "patrol",
        "recorded_at": recorded.isoformat(),
        "location": {"lat": WHERE[0], "lon": WHERE[1], "accuracy_m": 6.0, "source": "gps"},
        "site": None,
        "target_unit": None,
        "answers": [
            {"item": "san-03", "result": "fail", "severity": "major", "note": "rubbish heaped at the kerb"}
        ],
        "note": "",
        "photos": [{"uuid": photo_uuid, "item": "san-03"}],
    }
    receipt = officer.put(f"/api/v1/checks/{check}", json=body).json()
    officer.put(
        f"/api/v1/checks/{check}/photos/{photo_uuid}", content=photo, headers={"Content-Type": "image/jpeg"}
    )
    (finding,) = receipt["findings"]
    return int(finding["id"])


def test_a_street_finding_reaches_the_open_desk_is_assigned_and_a_far_rectification_is_flagged(
    lead_page: Page, live: LiveServer
):
    page = lead_page
    expect(page.locator("h1")).to_have_text("street sanitation")
    expect(page.locator("#desk-map .leaflet-control-scale")).to_be_visible()
    page.evaluate("window.__sameDesk = true")  # gone if the page reloads

    officer = Api(live, "officer")
    handler = Api(live, "handler")
    try:
        finding = record_check(officer, fixture_photo(BEFORE_PHOTO))

        # The feed polls every 10 s: the finding arrives on the open desk without a reload.
        next_poll(page)
        arrived = page.locator(f"#feed-list [data-finding='{finding}']")
        expect(arrived).to_be_visible(timeout=25_000)
        expect(arrived).to_contain_text("Gutters or storm drains")
        assert page.evaluate("window.__sameDesk") is True
        # The map follows: the new finding is among its points.
        wait_in_page(page, "n => Number(document.getElementById('desk-map').dataset.points) >= n", 1, 10)

        # The lead opens it from the feed and assigns it to the responsible unit.
        arrived.locator("a").click()
        page.wait_for_url(f"**/findings/{finding}")
        expect(page.locator("[data-status]")).to_have_text("New")
        expect(page.locator("select[name=unit]")).to_have_value("sanitation-office")
        page.click("#assign button")
        page.wait_for_url(f"**/findings/{finding}?done=assigned")
        expect(page.locator(".alert-ok")).to_contain_text("Assigned")
        expect(page.locator("[data-status]")).to_have_text("Assigned")
        expect(page.locator(".notice-number")).to_contain_text("十城管整改")

        # The unit's handler reports it fixed, with an after-photo taken in Italy.
        rect, photo = str(uuidlib.uuid4()), str(uuidlib.uuid4())
        handler.put(
            f"/api/v1/findings/{finding}/rectifications/{rect}",
            json={
                "note": "cleared",
                "recorded_at": datetime.now(UTC).astimezone(CHINA).isoformat(),
                "location": {"lat": WHERE[0], "lon": WHERE[1], "accuracy_m": 5.0, "source": "gps"},
                "photos": [{"uuid": photo}],
            },
        )
        sent = handler.put(
            f"/api/v1/rectifications/{rect}/photos/{photo}",
            content=fixture_photo(FAR_PHOTO),
            headers={"Content-Type": "image/jpeg"},
        ).json()
        assert "far" in sent["flags"] and sent["finding_status"] == "submitted"
    finally:
        officer.close()
        handler.close()

    # The lead comes back to verify: the flag stands in front of the verify form.
    page.reload()
    expect(page.locator("[data-status]")).to_have_text("Rectification submitted")
    warning = page.locator("#verify .flags")
    expect(warning).to_be_visible()
    expect(warning.locator("[data-flag='far']")).to_contain_text("km from the finding")
    flag_box = warning.bounding_box()
    form_box = page.locator("#verify .verify-forms").bounding_box()
    assert flag_box and form_box and flag_box["y"] < form_box["y"]


def test_filters_swap_the_list_in_place_and_keep_the_address(lead_page: Page, live: LiveServer):
    page = lead_page
    officer = Api(live, "officer")
    try:
        finding = record_check(officer, fixture_photo(BEFORE_PHOTO))
    finally:
        officer.close()
    page.reload()
    page.evaluate("window.__sameDesk = true")
    expect(page.locator(f"#desk-results [data-finding='{finding}']")).to_be_visible()

    page.select_option("select[name=severity]", "critical")
    page.wait_for_url("**/desk?*severity=critical*")
    expect(page.locator(f"#desk-results [data-finding='{finding}']")).to_have_count(0)
    page.select_option("select[name=severity]", "major")
    expect(page.locator(f"#desk-results [data-finding='{finding}']")).to_be_visible()
    assert page.evaluate("window.__sameDesk") is True

    # A value the server does not know (an old bookmark, a hand-edited form): its 422 message
    # is swapped in where the list was.
    page.evaluate(
        """() => {
            const select = document.querySelector('select[name=severity]');
            select.options[1].value = 'huge';
            select.value = 'huge';
            select.dispatchEvent(new Event('change', { bubbles: true }));
        }"""
    )
    expect(page.locator("#desk-results .alert-error")).to_contain_text("Severity must be one of")
    assert page.evaluate("window.__sameDesk") is True
    # And as a whole page: a date that is not a date.
    page.goto("/desk?campaign=sanitation&since=not-a-date")
    expect(page.locator("#desk-results .alert-error")).to_contain_text("YYYY-MM-DD")


def test_the_counters_the_list_and_the_notifications_keep_up_with_the_feed(lead_page: Page, live: LiveServer):
    page = lead_page
    page.evaluate("window.__sameDesk = true")  # gone if the page reloads
    new_before = int(page.locator("#stat-new .value").inner_text())
    assigned_before = int(page.locator("#stat-assigned .value").inner_text())

    officer = Api(live, "officer")
    lead = Api(live, "lead")
    handler = Api(live, "handler")
    try:
        finding = record_check(officer, fixture_photo(BEFORE_PHOTO))
        # The feed polls every 10 s: the card and the filtered list follow without a reload.
        next_poll(page)
        expect(page.locator("#stat-new .value")).to_have_text(str(new_before + 1), timeout=25_000)
        expect(page.locator(f"#desk-results [data-finding='{finding}']")).to_be_visible(timeout=10_000)

        # Assigned from elsewhere (another desk, a program): no new finding, yet the cards move.
        assigned = lead.http.post(f"/api/v1/findings/{finding}/assign", json={"unit": "sanitation-office"})
        assert assigned.status_code == 200, assigned.text
        next_poll(page)
        expect(page.locator("#stat-assigned .value")).to_have_text(str(assigned_before + 1), timeout=25_000)
        expect(page.locator("#stat-new .value")).to_have_text(str(new_before))
        # The card still links to its filtered list, with the page's own filters.
        assert "status=assigned" in (page.locator("#stat-assigned").get_attribute("href") or "")

        # The unit reports it fixed: the lead is told on the open desk.
        rect, photo = str(uuidlib.uuid4()), str(uuidlib.uuid4())
        handler.put(
            f"/api/v1/findings/{finding}/rectifications/{rect}",
            json={
                "note": "cleared",
                "recorded_at": datetime.now(UTC).astimezone(CHINA).isoformat(),
                "location": {"lat": WHERE[0], "lon": WHERE[1], "accuracy_m": 5.0, "source": "gps"},
                "photos": [{"uuid": photo}],
            },
        )
        handler.put(
            f"/api/v1/rectifications/{rect}/photos/{photo}",
            content=fixture_photo(BEFORE_PHOTO),
            headers={"Content-Type": "image/jpeg"},
        )
    finally:
        officer.close()
        lead.close()
        handler.close()
    note = page.locator(f"#desk-notes [data-kind='submitted'] + a[href='/findings/{finding}']")
    next_poll(page)
    expect(note).to_be_visible(timeout=25_000)
    expect(page.locator("#desk-notes [data-kind='submitted']").first).to_have_text(
        "Rectification submitted for verification"
    )
    assert page.evaluate("window.__sameDesk") is True
