"""Browser fixtures: one headless Chromium per session, a phone context per test, and a real
server per module (SQLite in a temporary folder). A missing Chromium fails, never skips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser.phone import Server, launch, phone
from tests.live import LiveServer


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch(playwright)
    yield browser
    browser.close()


def start_live(folder: Path, **env: str) -> LiveServer:
    server = LiveServer(folder, extra_env=dict(env))
    server.prepare()
    return server.start()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(live: LiveServer) -> Iterator[Server]:
    api = Server(live)
    yield api
    api.close()


@pytest.fixture
def context(browser: Browser, playwright: Playwright, live: LiveServer) -> Iterator[BrowserContext]:
    context = phone(browser, playwright, live)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not errors, f"uncaught errors in the page: {errors}"
