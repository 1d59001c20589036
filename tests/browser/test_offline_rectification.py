"""A unit's handler on site with no signal: the finding's page opens from the phone, and the
rectification saved there waits in the same outbox as checks and reaches the server once."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.phone import (
    SHIYAN,
    Server,
    assigned_finding,
    log_in,
    outbox_states,
    until,
    wait_in_page,
    wait_offline_ready,
    wait_unit_ready,
)
from tests.live import LiveServer
from tests.support import PHOTOS_DIR

pytestmark = pytest.mark.browser

BEFORE_PHOTO = PHOTOS_DIR / "gps_DSCN0010.jpg"
AFTER_PHOTO = PHOTOS_DIR / "hdr_iphone_hdr_YES.jpg"  # 3264x2448 with GPS: shrunk on the phone


@pytest.fixture(scope="module")
def lead(live: LiveServer) -> Iterator[Server]:
    api = Server(live, "lead")
    yield api
    api.close()


def thumbnail_shown(page: Page) -> bool:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.before-photos img'))
            .every(img => img.complete && img.naturalWidth > 0)"""
    )


def test_a_rectification_made_offline_reaches_the_server_once_with_its_photo(
    page: Page, context: BrowserContext, live: LiveServer, lead: Server
):
    finding_id = assigned_finding(live, BEFORE_PHOTO)
    before = lead.finding(finding_id)
    thumb = before["photos"][0]["thumb_url"]

    log_in(page, "handler", lands_on="/unit")
    expect(page.locator(f"[data-unit-waiting] [data-finding='{finding_id}']")).to_contain_text("Deadline")
    wait_unit_ready(page, [finding_id], (thumb,))
    page.goto(f"/unit/findings/{finding_id}")
    page.wait_for_selector(".position.ok")

    # No signal on site: the finding's page opens from the phone, before-photo included.
    context.set_offline(True)
    page.reload()
    expect(page.locator("h1")).to_contain_text(f"#{finding_id}")
    expect(page.locator("[data-position-status]")).to_contain_text("Located ±8 m")
    expect(page.locator("[data-distance]")).to_have_text("0 m from the finding")
    wait_in_page(page, "() => document.querySelector('.before-photos img').complete")
    assert thumbnail_shown(page)

    page.set_input_files("input[name=photos]", str(AFTER_PHOTO))
    page.fill("textarea[name=note]", "bins emptied, ground swept")
    uuid = page.input_value("input[name=uuid]")
    # The after-photo's EXIF position is far from the finding: the handler is warned before saving.
    expect(page.locator("[data-photo-warnings]")).to_contain_text("from the finding")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.dblclick("[data-save]")  # a double tap is one rectification
    page.wait_for_selector("[data-save-state].is-ok")
    assert len(asked) == 1 and "from the finding" in asked[0]
    expect(page.locator("[data-save-state]")).to_contain_text("Saved on this phone")
    expect(page.locator("[data-send-state]")).to_have_text("Waiting for a connection.")
    assert lead.finding(finding_id)["rectifications"] == []

    # Opened again with no signal: the phone says it already holds this finding's rectification.
    page.reload()
    expect(page.locator("[data-save-state]")).to_contain_text("already saved on this phone")
    expect(page.locator("[data-save]")).to_be_hidden()
    page.goto("/unit")
    # Opening the app tries to send at once and finds no connection: the item waits on the phone.
    until(lambda: outbox_states(page) == {uuid: "saved"}, what="the item waits on the phone", page=page)
    expect(page.locator(".outbox-summary")).to_have_text("1 rectification is waiting to be sent.")
    expect(page.locator(f"[data-outbox-item='{uuid}']")).to_contain_text("1 photo")
    page.goto(f"/unit/findings/{finding_id}")

    # Back in signal: sent without a reload.
    context.set_offline(False)
    expect(page.locator("[data-send-state]")).to_contain_text("Confirmed by the server at", timeout=20_000)

    after = lead.finding(finding_id)
    assert after["status"] == "submitted"
    (rect,) = after["rectifications"]
    assert rect["uuid"] == uuid and rect["by"] == "handler" and rect["status"] == "complete"
    assert rect["note"] == "bins emptied, ground swept"
    assert rect["location"] == {
        "lat": SHIYAN["latitude"],
        "lon": SHIYAN["longitude"],
        "accuracy_m": 8.0,
        "source": "gps",
    }
    (photo,) = rect["photos"]
    assert photo["received"]
    # Shrunk on the phone, which drops the EXIF: the position the server judged the photo by is
    # the one read from the original before resizing and sent along.
    assert "no_position" not in photo["flags"]
    assert photo["distance_m"] is not None

    page.goto("/unit")
    done = page.locator(f"[data-outbox-done='{uuid}']")
    expect(done).to_contain_text("Confirmed by the server")
    expect(done.locator("a")).to_have_attribute("href", f"/unit/findings/{finding_id}")
    expect(page.locator(f"[data-unit-done] [data-finding='{finding_id}']")).to_be_visible()


def test_a_rectification_the_server_refuses_stays_on_the_phone_with_the_servers_message(
    page: Page, context: BrowserContext, live: LiveServer, lead: Server
):
    finding_id = assigned_finding(live)
    log_in(page, "handler", lands_on="/unit")
    wait_unit_ready(page, [finding_id])
    context.set_offline(True)
    page.goto(f"/unit/findings/{finding_id}")
    page.wait_for_selector(".position.ok")
    page.set_input_files("input[name=photos]", str(BEFORE_PHOTO))
    uuid = page.input_value("input[name=uuid]")
    page.on("dialog", lambda dialog: dialog.accept())  # its EXIF position is far away: save anyway
    page.click("[data-save]")
    page.wait_for_selector("[data-save-state].is-ok")

    # Meanwhile a colleague of the unit reports the rectification from another phone.
    colleague = Server(live, "handler")
    try:
        other, photo = str(uuidlib.uuid4()), str(uuidlib.uuid4())
        body = {
            "note": "done from the office",
            "recorded_at": datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0).isoformat(),
            "location": {
                "lat": SHIYAN["latitude"],
                "lon": SHIYAN["longitude"],
                "accuracy_m": 5.0,
                "source": "gps",
            },
            "photos": [{"uuid": photo}],
        }
        colleague.http.put(
            f"/api/v1/findings/{finding_id}/rectifications/{other}", json=body
        ).raise_for_status()
        colleague.http.put(
            f"/api/v1/rectifications/{other}/photos/{photo}",
            content=BEFORE_PHOTO.read_bytes(),
            headers={"Content-Type": "image/jpeg"},
        ).raise_for_status()
    finally:
        colleague.close()
    assert lead.finding(finding_id)["status"] == "submitted"

    # Back in signal, the server refuses this one (409): it stays, with the server's words.
    context.set_offline(False)
    expect(page.locator("[data-send-state].is-bad")).to_contain_text(
        "Only an assigned finding, or one sent back for rework, takes a rectification.", timeout=20_000
    )
    page.goto("/unit")
    item = page.locator(f"[data-outbox-item='{uuid}']")
    expect(item).to_have_attribute("data-state", "attention")
    expect(item.locator(".outbox-discard")).to_be_visible()
    assert [r["uuid"] for r in lead.finding(finding_id)["rectifications"]] == [other]


# A check kept by the release before rectifications existed: the same store, no "kind".
KEEP_OLD_CHECK = """async (item) => {
    const db = await XunchaOutbox.open();
    const tx = db.transaction(['checks', 'meta'], 'readwrite');
    const seq = ((await tx.objectStore('meta').get('seq')) || {value: 0}).value + 1;
    tx.objectStore('meta').put({key: 'seq', value: seq});
    item.seq = seq;
    tx.objectStore('checks').put(item);
    await tx.done;
}"""


def test_a_check_queued_before_the_outbox_carried_kinds_is_still_sent_as_a_check(
    page: Page, context: BrowserContext, live: LiveServer
):
    check_uuid = str(uuidlib.uuid4())
    made = datetime.now(UTC) - timedelta(minutes=20)
    body = {
        "campaign": "sanitation",
        "kind": "patrol",
        "recorded_at": made.astimezone(timezone(timedelta(hours=8))).replace(microsecond=0).isoformat(),
        "location": {
            "lat": SHIYAN["latitude"],
            "lon": SHIYAN["longitude"],
            "accuracy_m": 9.0,
            "source": "gps",
        },
        "site": None,
        "target_unit": None,
        "answers": [{"item": "san-02", "result": "pass"}],
        "note": "kept by the older release",
        "photos": [],
    }
    item = {
        "uuid": check_uuid,
        "user": "officer",
        "campaign": "sanitation",
        "label": "street sanitation",
        "body": body,
        "photos": [],
        "madeAt": int(made.timestamp() * 1000),
        "savedAt": int(made.timestamp() * 1000),
        "state": "saved",
        "attempts": 0,
        "nextTryAt": 0,
        "error": None,
        "receipt": None,
    }
    log_in(page)
    wait_offline_ready(page)
    context.set_offline(True)
    page.evaluate(KEEP_OLD_CHECK, item)
    page.reload()
    expect(page.locator(f"[data-outbox-item='{check_uuid}']")).to_have_attribute("data-state", "saved")
    context.set_offline(False)
    page.wait_for_selector(f"[data-outbox-done='{check_uuid}']", timeout=20_000)
    expect(page.locator(f"[data-outbox-done='{check_uuid}'] a")).to_have_attribute(
        "href", f"/checks/{check_uuid}"
    )
    officer = Server(live, "officer")
    try:
        stored = officer.check(check_uuid)
    finally:
        officer.close()
    assert stored["status"] == "complete" and stored["note"] == "kept by the older release"
