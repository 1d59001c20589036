"""The supervisor's round on the phone with no signal: the sites the office drew open from the
phone's copy of the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.phone import Server, log_in, until, wait_for_worker
from tests.live import LiveServer

pytestmark = pytest.mark.browser


def test_the_round_opens_on_the_phone_with_no_signal(page: Page, context: BrowserContext, live: LiveServer):
    office = Server(live, "office")
    try:
        drawn = office.http.post("/api/v1/rounds", json={"supervisor": "supervisor", "size": 3, "seed": 5})
        drawn.raise_for_status()
    finally:
        office.close()
    codes = [s["code"] for s in drawn.json()["sites"]]

    log_in(page, "supervisor", lands_on="/field")
    wait_for_worker(page)
    until(
        lambda: page.evaluate("async () => !!(await (await caches.open('xuncha-pages')).match('/round'))"),
        what="the round page is kept on the phone",
        page=page,
    )
    context.set_offline(True)
    page.goto("/round")
    for code in codes:
        expect(page.locator(f"[data-site='{code}']")).to_be_visible()
    expect(page.locator("[data-site][data-visited='yes']")).to_have_count(0)
