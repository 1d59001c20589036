"""Driving the PWA like an officer's phone, and asking the server what it holds."""

from __future__ import annotations

import os
import time
import uuid as uuidlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.live import LiveServer

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHIYAN = {"latitude": 32.6293, "longitude": 110.7981, "accuracy": 8}
ELSEWHERE = {"latitude": 32.6600, "longitude": 110.7500, "accuracy": 5}
PASSWORD = "xuncha-demo"


def chromium_path() -> str:
    path = os.environ.get("XUNCHA_CHROMIUM") or "/usr/bin/chromium"
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"Chromium is needed for the browser tests and was not found at {path}: "
            "install Debian's package (apt-get install chromium) or set XUNCHA_CHROMIUM to its path. "
            "Never `playwright install`: nothing may be downloaded here.",
            pytrace=False,
        )
    return path


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def phone(browser: Browser, playwright: Playwright, live: LiveServer, **extra: Any) -> BrowserContext:
    """A Pixel 7 in Shiyan, in English, with location allowed and service workers on."""
    options: dict[str, Any] = dict(playwright.devices["Pixel 7"])
    options.update(
        base_url=live.url,
        locale="en-US",
        timezone_id="Asia/Shanghai",
        geolocation=SHIYAN,
        permissions=["geolocation", "background-sync"],
        service_workers="allow",
    )
    options.update(extra)
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    return context


def log_in(page: Page, username: str = "officer", lands_on: str = "/field") -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button")
    page.wait_for_url(f"**{lands_on}")


def wait_in_page(page: Page, function: str, arg: Any = None, timeout: float = 15, what: str = "") -> Any:
    """Poll a function of the page (of `arg`) from here until it gives a true value. Not
    wait_for_function: when its first try fails it polls with an eval, which the page's
    Content-Security-Policy refuses (so it passed only when the first try was already true)."""
    return until(lambda: page.evaluate(function, arg), timeout, what or function, page=page)


def wait_for_worker(page: Page) -> None:
    wait_in_page(
        page, "() => navigator.serviceWorker.controller !== null", what="no service worker took the page"
    )


def wait_offline_ready(page: Page, forms: tuple[str, ...] = ("sanitation",), timeout: float = 15) -> None:
    """Until the officer's pages are kept on the phone."""
    wait_for_worker(page)
    paths = ["/field", "/field/checks", *(f"/field/{code}/new" for code in forms)]
    until(
        lambda: page.evaluate(
            """async (paths) => {
                const cache = await caches.open('xuncha-pages');
                const hits = await Promise.all(paths.map(p => cache.match(p)));
                return hits.every(Boolean);
            }""",
            paths,
        ),
        timeout,
        "the officer's pages were not kept on the phone",
    )


def wait_unit_ready(
    page: Page, findings: list[int], thumbs: tuple[str, ...] = (), timeout: float = 15
) -> None:
    """Until the handler's list, the pages of the given findings and the thumbnails are kept on the phone."""
    wait_for_worker(page)
    keys = ["/unit", *(f"/unit/findings/{f}" for f in findings), *thumbs]
    until(
        lambda: page.evaluate(
            """async (keys) => {
                const cache = await caches.open('xuncha-pages');
                const hits = await Promise.all(keys.map(k => cache.match(k)));
                return hits.every(Boolean);
            }""",
            keys,
        ),
        timeout,
        "the handler's pages were not kept on the phone",
    )


def until(predicate: Any, timeout: float = 15, what: str = "condition", page: Page | None = None) -> Any:
    """Poll a predicate (wait_for_function does not await an async one). With a page, waiting
    lets Playwright dispatch its events meanwhile, so route handlers run."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s: {what}")
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)


def open_form(page: Page, campaign: str = "sanitation") -> None:
    page.goto(f"/field/{campaign}/new")
    page.wait_for_selector(".position.ok")


def answer(page: Page, item: str, result: str) -> None:
    page.click(f"[data-item='{item}'] input[value='{result}'] + span")


def save(page: Page) -> str:
    """Save, marking what is left unanswered not applicable when the review asks."""
    uuid = page.input_value("input[name=uuid]")
    page.click("[data-save]")
    review = page.locator("#check-review")
    saved = page.locator("[data-save-state].is-ok")
    saved.or_(review).first.wait_for()
    if review.is_visible():
        if page.locator("[data-review-na]").is_visible():
            page.click("[data-review-na]")
        page.click("[data-review-save]")
    saved.wait_for()
    return uuid


def send_now(page: Page) -> None:
    """Tap "send now" unless the outbox emptied itself first (page load, timer, Background Sync)."""
    button = page.locator("[data-send-now]")
    try:
        button.click(timeout=5000)
    except PlaywrightTimeout:
        assert button.is_hidden(), "the send now button could not be tapped"


def outbox_states(page: Page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "[data-outbox-item]",
        "items => Object.fromEntries(items.map(i => [i.dataset.outboxItem, i.dataset.state]))",
    )


class Server:
    """The server's side of the story, read through the sync API with a bearer token."""

    def __init__(self, live: LiveServer, username: str = "officer") -> None:
        self.http = httpx.Client(base_url=live.url, timeout=10, headers={"Accept-Language": "en"})
        response = self.http.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def check(self, uuid: str) -> dict[str, Any] | None:
        response = self.http.get(f"/api/v1/checks/{uuid}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def finding(self, finding_id: int) -> dict[str, Any] | None:
        response = self.http.get(f"/api/v1/findings/{finding_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def my_checks(self) -> list[dict[str, Any]]:
        response = self.http.get("/api/v1/checks", params={"author": "me", "limit": 200})
        response.raise_for_status()
        return response.json()["items"]

    def close(self) -> None:
        self.http.close()


def assigned_finding(live: LiveServer, before_photo: Path | None = None, deadline_days: float = 3) -> int:
    """A sanitation finding recorded by `officer` (with a before-photo) and assigned by `lead` to the
    unit of `handler`, through the sync and Findings APIs as any client would."""
    officer, lead = Server(live, "officer"), Server(live, "lead")
    try:
        check_uuid, photo_uuid = str(uuidlib.uuid4()), str(uuidlib.uuid4())
        china = timezone(timedelta(hours=8))
        body = {
            "campaign": "sanitation",
            "kind": "patrol",
            "recorded_at": (datetime.now(UTC) - timedelta(minutes=10))
            .astimezone(china)
            .replace(microsecond=0)
            .isoformat(),
            "location": {
                "lat": SHIYAN["latitude"],
                "lon": SHIYAN["longitude"],
                "accuracy_m": 6.0,
                "source": "gps",
            },
            "site": None,
            "target_unit": None,
            "answers": [
                {"item": "san-01", "result": "fail", "severity": "major", "note": "bins overflowing"}
            ],
            "note": "",
            "photos": [{"uuid": photo_uuid, "item": "san-01"}] if before_photo else [],
        }
        response = officer.http.put(f"/api/v1/checks/{check_uuid}", json=body)
        response.raise_for_status()
        (finding,) = response.json()["findings"]
        if before_photo:
            officer.http.put(
                f"/api/v1/checks/{check_uuid}/photos/{photo_uuid}",
                content=before_photo.read_bytes(),
                headers={"Content-Type": "image/jpeg"},
            ).raise_for_status()
            # Its copies exist before anyone opens a page: asking for one makes it if the server's
            # background worker has not yet.
            officer.http.get(f"/api/v1/photos/{photo_uuid}?size=thumb").raise_for_status()
        deadline = (datetime.now(UTC) + timedelta(days=deadline_days)).astimezone(china).isoformat()
        lead.http.post(
            f"/api/v1/findings/{finding['id']}/assign",
            json={"unit": "sanitation-office", "deadline": deadline},
        ).raise_for_status()
        return int(finding["id"])
    finally:
        officer.close()
        lead.close()
