"""A new release while a check waits on the phone: the new service worker takes over, old caches
go, and the queued check (in IndexedDB, which no update touches) is still sent exactly once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import start_live
from tests.browser.phone import (
    answer,
    log_in,
    open_form,
    outbox_states,
    save,
    send_now,
    until,
    wait_offline_ready,
)
from tests.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, live_template: Path) -> Iterator[LiveServer]:
    server = start_live(tmp_path_factory.mktemp("live-release"), live_template, XUNCHA_RELEASE="2026.11.1")
    yield server
    server.stop()


def served_version(live: LiveServer) -> str:
    source = httpx.get(live.url + "/sw.js").text
    match = re.search(r'var VERSION = "([0-9a-f]+)";', source)
    assert match, "sw.js names its version"
    return match.group(1)


def static_caches(page: Page) -> list[str]:
    return sorted(n for n in page.evaluate("caches.keys()") if n.startswith("xuncha-static-"))


def worker_version(page: Page) -> str:
    return page.evaluate(
        """() => new Promise(resolve => {
            const channel = new MessageChannel();
            channel.port1.onmessage = e => resolve(e.data.version);
            navigator.serviceWorker.controller.postMessage({type: 'version'}, [channel.port2]);
        })"""
    )


def test_a_new_service_worker_takes_over_while_a_check_is_queued_and_the_check_is_still_sent(
    page: Page, context: BrowserContext, live: LiveServer, server
):
    first = served_version(live)
    log_in(page)
    wait_offline_ready(page)
    assert worker_version(page) == first
    assert static_caches(page) == [f"xuncha-static-{first}"]

    context.set_offline(True)
    open_form(page)
    answer(page, "san-01", "pass")
    uuid = save(page)

    # The next release reaches the server while the phone is out of signal.
    live.stop()
    live.extra_env["XUNCHA_RELEASE"] = "2026.11.2"
    live.start()
    second = served_version(live)
    assert second != first

    # Back in signal, the server is slow to take checks for a moment, so the update lands first.
    def busy(route: Route) -> None:
        if route.request.method == "PUT":
            route.fulfill(status=503, content_type="application/json", body=json.dumps({"message": "busy"}))
        else:
            route.continue_()

    context.route("**/api/v1/checks/*", busy)
    context.set_offline(False)
    page.goto("/field")  # a navigation checks for a new worker; this one also asks explicitly
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    until(lambda: worker_version(page) == second, what="the new worker controls the page", page=page)
    until(lambda: static_caches(page) == [f"xuncha-static-{second}"], what="the old cache is gone", page=page)

    page.reload()
    # Opening the app tries to send at once; the busy server refuses it, and the check goes
    # back to waiting on the phone (it may be caught "sending" for a moment in between).
    until(lambda: outbox_states(page) == {uuid: "saved"}, what="the check waits on the phone", page=page)
    assert server.check(uuid) is None

    context.unroute("**/api/v1/checks/*", busy)
    send_now(page)
    page.wait_for_selector(f"[data-outbox-done='{uuid}']")
    expect(page.locator(f"[data-outbox-done='{uuid}']")).to_contain_text("Confirmed by the server")
    stored = server.check(uuid)
    assert stored["status"] == "complete"
    assert [c["uuid"] for c in server.my_checks()].count(uuid) == 1
    # The new worker kept the officer's pages again, and a form still opens with no signal.
    wait_offline_ready(page)
    context.set_offline(True)
    open_form(page)
    assert page.evaluate("typeof window.XunchaOutbox") == "object"
    context.set_offline(False)
