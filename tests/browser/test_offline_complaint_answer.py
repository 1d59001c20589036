"""A unit's handler answers a public complaint on the phone with no signal: the complaint's page
opens from the phone, the answer waits in the outbox, and it reaches the server once."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.phone import Server, log_in, outbox_states, until, wait_for_worker
from tests.live import LiveServer

pytestmark = pytest.mark.browser
CHINA = timezone(timedelta(hours=8))
PHONE = "13907190123"


@pytest.fixture(scope="module")
def office(live: LiveServer) -> Iterator[Server]:
    api = Server(live, "office")
    yield api
    api.close()


def assigned_complaint(office: Server) -> str:
    uuid = str(uuidlib.uuid4())
    now = datetime.now(UTC)
    office.http.put(
        f"/api/v1/complaints/{uuid}",
        json={
            "source": "hotline_12319",
            "received_at": (now - timedelta(hours=2)).astimezone(CHINA).isoformat(),
            "content": "Bins overflowing at the market gate for two days",
            "campaign": "sanitation",
            "location": None,
            "address": "Renmin Road market",
            "complainant": {"name": "Li Xiuying", "phone": PHONE},
        },
    ).raise_for_status()
    office.http.post(
        f"/api/v1/complaints/{uuid}/assign",
        json={
            "unit": "sanitation-office",
            "deadline": (now + timedelta(days=2)).astimezone(CHINA).isoformat(),
        },
    ).raise_for_status()
    return uuid


def kept(page: Page, paths: list[str]) -> bool:
    return page.evaluate(
        """async (paths) => {
            const cache = await caches.open('xuncha-pages');
            const hits = await Promise.all(paths.map(p => cache.match(p)));
            return hits.every(Boolean);
        }""",
        paths,
    )


def test_an_answer_made_offline_reaches_the_server_once(page: Page, context: BrowserContext, office: Server):
    uuid = assigned_complaint(office)
    log_in(page, "handler", lands_on="/unit")
    page.goto("/complaints")
    expect(page.locator(f"[data-unit-complaints] [data-complaint='{uuid}']")).to_contain_text("Deadline")
    assert PHONE not in page.content()
    wait_for_worker(page)
    until(lambda: kept(page, ["/complaints", f"/complaints/{uuid}"]), what="the complaint pages are kept")

    # No signal: the list and the complaint's page open from the phone.
    context.set_offline(True)
    page.reload()
    page.click(f"[data-complaint='{uuid}'] a")
    page.wait_for_url(f"**/complaints/{uuid}")
    expect(page.locator("[data-content]")).to_have_text("Bins overflowing at the market gate for two days")
    page.fill("textarea[name=result]", "Bins emptied; the cleaner now passes twice a day")
    page.dblclick("[data-save]")  # a double tap is one answer
    expect(page.locator("[data-save-state]")).to_contain_text("Saved on this phone")
    assert office.http.get(f"/api/v1/complaints/{uuid}").json()["status"] == "assigned"

    # Opened again offline: the phone says it holds the answer, and offers no second form.
    page.reload()
    expect(page.locator("[data-save-state]")).to_contain_text("Saved on this phone")
    expect(page.locator("textarea[name=result]")).to_be_disabled()
    page.goto("/complaints")
    states = until(lambda: outbox_states(page), what="the answer is in the outbox", page=page)
    assert list(states.values()) == ["saved"]

    # Back in signal: sent without a reload, once.
    context.set_offline(False)
    until(
        lambda: office.http.get(f"/api/v1/complaints/{uuid}").json()["status"] == "investigated",
        timeout=30,
        what="the answer reached the server",
        page=page,
    )
    until(lambda: outbox_states(page) == {}, what="the outbox empties", page=page)
    body = office.http.get(f"/api/v1/complaints/{uuid}").json()
    assert body["result"] == "Bins emptied; the cleaner now passes twice a day"
    assert [h["action"] for h in body["history"]].count("investigated") == 1
    assert [h["by"] for h in body["history"] if h["action"] == "investigated"] == ["handler"]
