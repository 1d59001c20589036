"""A patrol with no signal: checks kept on the phone, sent later exactly once and unchanged."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from server.demo import data as demo
from server.photos.pipeline import process_photo
from tests.browser.phone import (
    ELSEWHERE,
    SHIYAN,
    Server,
    answer,
    log_in,
    open_form,
    outbox_states,
    save,
    send_now,
    until,
    wait_offline_ready,
)
from tests.support import PHOTOS_DIR

pytestmark = pytest.mark.browser

PHONE_PHOTO = PHOTOS_DIR / "hdr_iphone_hdr_YES.jpg"  # 3264x2448 with GPS: shrunk on the phone
SMALL_PHOTO = PHOTOS_DIR / "gps_DSCN0010.jpg"


def record(page: Page, *, note: str = "", photo: Any = None, fail: bool = True) -> str:
    answer(page, "san-01", "fail" if fail else "pass")
    if fail:
        page.fill("textarea[name=n_san-01]", "bins overflowing")
        if photo is not None:
            page.set_input_files("input[name=p_san-01]", str(photo))
    answer(page, "san-02", "pass")
    if note:
        page.fill("textarea[name=note]", note)
    return save(page)


def go_offline_on_the_form(page: Page, context: BrowserContext) -> None:
    log_in(page)
    wait_offline_ready(page)
    context.set_offline(True)
    open_form(page)


def wait_confirmed(page: Page, uuids: list[str], timeout: float = 20_000) -> None:
    for uuid in uuids:
        page.wait_for_selector(f"[data-outbox-done='{uuid}']", timeout=timeout)


def test_a_check_made_offline_reaches_the_server_once_with_its_photo_and_the_position_taken_offline(
    page: Page, context: BrowserContext, server: Server
):
    before = len(server.my_checks())
    go_offline_on_the_form(page, context)
    expect(page.locator("h1")).to_have_text("street sanitation")
    expect(page.locator("[data-position-status]")).to_contain_text("Located ±8 m")

    uuid = record(page, photo=PHONE_PHOTO)

    expect(page.locator("[data-save-state]")).to_contain_text("Saved on this phone")
    assert server.check(uuid) is None
    # The officer walks on before the signal comes back: the check keeps where it was made.
    context.set_geolocation(ELSEWHERE)
    page.goto("/field")
    # Opening the app tries to send at once and finds no connection: the item waits on the phone.
    until(lambda: outbox_states(page) == {uuid: "saved"}, what="the item waits on the phone", page=page)
    expect(page.locator(".outbox-summary")).to_have_text("1 check is waiting to be sent.")
    expect(page.locator(f"[data-outbox-item='{uuid}']")).to_contain_text("1 photo")
    # A page that was never kept says so, and the start page opens the kept home.
    page.goto(f"/checks/{uuid}")
    expect(page.locator("h1")).to_have_text("Not available offline")
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Record a check")
    assert server.check(uuid) is None

    context.set_offline(False)
    wait_confirmed(page, [uuid])
    done = page.locator(f"[data-outbox-done='{uuid}']")
    expect(done).to_contain_text("Confirmed by the server")
    expect(done).to_contain_text("Received by the server at")
    expect(page.locator(".outbox-summary")).to_have_text("Nothing is waiting to be sent.")

    stored = server.check(uuid)
    assert stored is not None
    assert len(server.my_checks()) == before + 1
    assert stored["status"] == "complete" and stored["missing_photos"] == []
    assert stored["location"] == {
        "lat": SHIYAN["latitude"],
        "lon": SHIYAN["longitude"],
        "accuracy_m": 8.0,
        "source": "gps",
    }
    # The items left unanswered were marked not applicable when the review asked.
    rest = [(item.code, "na", "") for item in demo.CAMPAIGNS[0].items[2:]]
    assert [(a["item"], a["result"], a["note"]) for a in stored["answers"]] == [
        ("san-01", "fail", "bins overflowing"),
        ("san-02", "pass", ""),
        *rest,
    ]
    assert [f["item"] for f in stored["findings"]] == ["san-01"]
    assert len(stored["photos"]) == 1
    photo = stored["photos"][0]
    assert photo["received"] and photo["item"] == "san-01"
    # Shrunk on the phone (long side 2048 px), with the EXIF position read from the original first.
    assert max(photo["width"], photo["height"]) == 2048
    original = process_photo(PHONE_PHOTO.read_bytes(), "image/jpeg")
    assert photo["exif_location"]["source"] == "client"
    assert photo["exif_location"]["lat"] == pytest.approx(original.exif_lat, abs=1e-6)
    assert photo["exif_location"]["lon"] == pytest.approx(original.exif_lon, abs=1e-6)


def test_three_checks_made_offline_arrive_in_the_order_they_were_made(
    page: Page, context: BrowserContext, server: Server
):
    go_offline_on_the_form(page, context)
    uuids = []
    for n, note in enumerate(["first", "second", "third"]):
        if n:
            time.sleep(1.05)  # recorded_at has whole seconds
            open_form(page)
        uuids.append(record(page, note=note, fail=n == 1, photo=SMALL_PHOTO if n == 1 else None))
    page.goto("/field")
    until(
        lambda: outbox_states(page) == dict.fromkeys(uuids, "saved"),
        what="the checks wait on the phone",
        page=page,
    )
    assert (
        page.eval_on_selector_all("[data-outbox-item]", "items => items.map(i => i.dataset.outboxItem)")
        == uuids
    )

    context.set_offline(False)
    wait_confirmed(page, uuids)

    stored = [server.check(u) for u in uuids]
    assert [s["note"] for s in stored] == ["first", "second", "third"]
    received = [s["received_at"] for s in stored]
    recorded = [s["recorded_at"] for s in stored]
    assert received == sorted(received) and len(set(received)) == 3
    assert recorded == sorted(recorded) and len(set(recorded)) == 3
    assert [s["status"] for s in stored] == ["complete"] * 3


def test_an_interrupted_photo_upload_is_sent_again_and_stored_once(
    page: Page, context: BrowserContext, server: Server
):
    photo_puts: list[str] = []
    cut = {"on": True}

    def interrupt(route: Route) -> None:
        photo_puts.append(route.request.url)
        if cut["on"]:
            route.abort("connectionreset")
        else:
            route.continue_()

    log_in(page)
    wait_offline_ready(page)
    context.route("**/api/v1/checks/*/photos/*", interrupt)
    open_form(page)
    uuid = record(page, photo=PHONE_PHOTO)

    until(lambda: photo_puts, what="the phone tried to send the photo", page=page)
    until(
        lambda: (server.check(uuid) or {}).get("status") == "awaiting_photos",
        what="the check arrived",
        page=page,
    )
    expect(page.locator("[data-send-state]")).to_have_text("Waiting for a connection.")
    page.goto("/field")
    item = page.locator(f"[data-outbox-item='{uuid}']")
    expect(item).to_have_attribute("data-state", "saved")
    expect(item).to_contain_text("trying again at")
    assert server.check(uuid)["missing_photos"] == [server.check(uuid)["photos"][0]["uuid"]]

    cut["on"] = False
    send_now(page)
    wait_confirmed(page, [uuid])
    assert len(photo_puts) >= 2 and len(set(photo_puts)) == 1
    stored = server.check(uuid)
    assert stored["status"] == "complete"
    assert len(stored["photos"]) == 1 and stored["photos"][0]["received"]


def test_a_photo_stored_but_not_acknowledged_is_not_stored_twice(
    page: Page, context: BrowserContext, server: Server
):
    """The server kept the photo but the answer was lost: the replay learns it is there."""
    puts: list[int] = []

    def lose_the_first_answer(route: Route) -> None:
        if not puts:
            response = route.fetch()
            puts.append(response.status)
            route.abort("connectionreset")
        else:
            puts.append(0)
            route.continue_()

    log_in(page)
    wait_offline_ready(page)
    context.route("**/api/v1/checks/*/photos/*", lose_the_first_answer)
    open_form(page)
    uuid = record(page, photo=SMALL_PHOTO)
    until(lambda: puts, what="the first photo upload", page=page)
    assert puts[0] == 201
    page.goto("/field")  # opening the app sends what waits
    wait_confirmed(page, [uuid])
    stored = server.check(uuid)
    assert stored["status"] == "complete" and len(stored["photos"]) == 1
    # The replayed check already listed the photo as received, so it was not even sent again.
    assert len(puts) == 1


@pytest.mark.parametrize(
    ("target", "status", "message"),
    [
        ("**/api/v1/checks/*", 422, "The check has mistakes; nothing was saved."),
        ("**/api/v1/checks/*", 409, "A different check was already saved under this UUID."),
        ("**/api/v1/checks/*/photos/*", 413, "The photo is 31.0 MB; the limit is 20 MB."),
    ],
)
def test_a_refusal_keeps_the_check_and_shows_the_servers_message(
    page: Page, context: BrowserContext, server: Server, target: str, status: int, message: str
):
    refusals: list[str] = []

    def refuse(route: Route) -> None:
        if route.request.method != "PUT" or refusals:
            route.continue_()
            return
        refusals.append(route.request.url)
        body = {"status": status, "error": "refused", "message": message}
        if status == 422:
            body["errors"] = [{"field": "site", "message": "Unknown site code: x."}]
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    log_in(page)
    wait_offline_ready(page)
    context.route(target, refuse)
    open_form(page)
    uuid = record(page, photo=SMALL_PHOTO)
    expect(page.locator("[data-send-state]")).to_have_text(message)
    page.goto("/field")
    item = page.locator(f"[data-outbox-item='{uuid}']")
    expect(item).to_have_attribute("data-state", "attention")
    expect(item).to_contain_text("Needs attention")
    expect(item).to_contain_text(message)
    if status == 422:
        expect(item).to_contain_text("site: Unknown site code: x.")
    # Not tried again on its own: the officer decides.
    page.reload()
    expect(page.locator(f"[data-outbox-item='{uuid}']")).to_have_attribute("data-state", "attention")

    send_now(page)
    wait_confirmed(page, [uuid])
    assert len(refusals) == 1
    stored = server.check(uuid)
    assert stored["status"] == "complete" and len(stored["photos"]) == 1


def test_an_ended_session_asks_to_log_in_again_and_loses_nothing(
    page: Page, context: BrowserContext, server: Server
):
    go_offline_on_the_form(page, context)
    uuid = record(page)
    context.clear_cookies()  # the session ends while the officer is out
    context.set_offline(False)
    prompt = page.locator("[data-send-state]")
    expect(prompt).to_contain_text("Log in again to send the saved checks")
    assert server.check(uuid) is None

    page.click("[data-send-state] a")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "xuncha-demo")
    page.click("form.stack button")
    page.wait_for_url("**/field")
    wait_confirmed(page, [uuid])
    assert server.check(uuid)["status"] == "complete"


def test_two_tabs_and_the_worker_send_a_check_once(page: Page, context: BrowserContext, server: Server):
    check_puts: list[str] = []

    def count(route: Route) -> None:
        if route.request.method == "PUT":
            check_puts.append(route.request.url)
        route.continue_()

    go_offline_on_the_form(page, context)
    uuid = record(page)
    page.goto("/field")
    other = context.new_page()
    other.goto("/field")
    context.route("**/api/v1/checks/*", count)
    context.set_offline(False)  # both tabs hear "online" at once
    wait_confirmed(page, [uuid])
    wait_confirmed(other, [uuid])
    assert check_puts == [f"{page.url.split('/field')[0]}/api/v1/checks/{uuid}"]


def test_background_sync_sends_from_the_worker_with_no_page_of_the_app_open(
    page: Page, context: BrowserContext, server: Server
):
    go_offline_on_the_form(page, context)
    uuid = record(page, photo=SMALL_PHOTO)
    tags = page.evaluate("navigator.serviceWorker.ready.then(r => r.sync.getTags())")
    assert tags == ["xuncha-outbox"]
    # No page of the app is open: only the service worker can send it.
    page.goto("about:blank")
    context.set_offline(False)
    until(
        lambda: (server.check(uuid) or {}).get("status") == "complete", what="the worker sent it", page=page
    )
    page.goto("/field")
    wait_confirmed(page, [uuid])
