"""The outbox's IndexedDB schema moves forward without losing what is queued: a phone that still
holds a check in the first layout (version 1) upgrades to the current one and sends it."""

from __future__ import annotations

import base64
import uuid as uuidlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.phone import SHIYAN, Server, log_in
from tests.support import PHOTOS_DIR

pytestmark = pytest.mark.browser

PHOTO = PHOTOS_DIR / "gps_DSCN0010.jpg"

# The version 1 layout, written with plain IndexedDB as the first release of the outbox did.
WRITE_V1 = """async ({item, photo}) => {
    const bytes = Uint8Array.from(atob(photo), c => c.charCodeAt(0));
    item.photos[0].blob = new Blob([bytes], {type: 'image/jpeg'});
    const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('xuncha-outbox', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('outbox', {keyPath: 'uuid'});
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
    });
    await new Promise((resolve, reject) => {
        const tx = db.transaction('outbox', 'readwrite');
        tx.objectStore('outbox').put(item);
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
    });
    db.close();
    return (await indexedDB.databases()).find(d => d.name === 'xuncha-outbox').version;
}"""

SCHEMA = """async () => {
    const info = (await indexedDB.databases()).find(d => d.name === 'xuncha-outbox');
    const db = await new Promise(resolve => { const o = indexedDB.open('xuncha-outbox'); o.onsuccess = () => resolve(o.result); });
    const stores = Array.from(db.objectStoreNames).sort();
    db.close();
    return {version: info.version, stores};
}"""


def test_a_check_queued_in_the_version_1_layout_is_upgraded_and_sent(
    page: Page, context: BrowserContext, server: Server
):
    check_uuid, photo_uuid = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    made = datetime.now(UTC) - timedelta(minutes=30)
    body = {
        "campaign": "sanitation",
        "kind": "patrol",
        "recorded_at": made.astimezone(timezone(timedelta(hours=8))).replace(microsecond=0).isoformat(),
        "location": {
            "lat": SHIYAN["latitude"],
            "lon": SHIYAN["longitude"],
            "accuracy_m": 12.0,
            "source": "gps",
        },
        "site": None,
        "target_unit": None,
        "answers": [{"item": "san-01", "result": "fail", "severity": "major", "note": "queued long ago"}],
        "note": "",
        "photos": [{"uuid": photo_uuid, "item": "san-01"}],
    }
    item = {
        "uuid": check_uuid,
        "body": body,
        "photos": [{"uuid": photo_uuid, "type": "image/jpeg"}],
        "created": int(made.timestamp() * 1000),
    }
    page.goto("/login")  # nothing here opens the outbox: the old layout is all there is
    version = page.evaluate(WRITE_V1, {"item": item, "photo": base64.b64encode(PHOTO.read_bytes()).decode()})
    assert version == 1

    log_in(page)
    page.wait_for_selector(f"[data-outbox-done='{check_uuid}']", timeout=20_000)
    expect(page.locator(f"[data-outbox-done='{check_uuid}']")).to_contain_text("Confirmed by the server")
    assert page.evaluate(SCHEMA) == {"version": 2, "stores": ["checks", "history", "meta", "photos"]}

    stored = server.check(check_uuid)
    assert stored["status"] == "complete"
    assert stored["answers"][0]["note"] == "queued long ago"
    assert stored["location"]["accuracy_m"] == 12.0
    assert [(p["uuid"], p["received"]) for p in stored["photos"]] == [(photo_uuid, True)]
    # Sent as the phone kept it: the original bytes, so the server read the EXIF itself.
    assert stored["photos"][0]["exif_location"]["source"] == "file"
