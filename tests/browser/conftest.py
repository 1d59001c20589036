"""Browser fixtures: one headless Chromium per session, a phone context per test, and a real
server per module (SQLite in a temporary folder, copied from one migrated with the demo data once
per session). A missing Chromium fails, never skips.

`make test-browser` runs the modules on two processes (pytest-xdist, --dist loadfile): each module
keeps its server and its tests to itself, and each process has its own Chromium."""

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


@pytest.fixture(scope="session")
def live_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder migrated and loaded with the demo data once; every module's server starts from a copy."""
    folder = tmp_path_factory.mktemp("live-template")
    LiveServer(folder).prepare()
    return folder


def start_live(folder: Path, template: Path, **env: str) -> LiveServer:
    return LiveServer(folder, extra_env=dict(env)).copy_of(template).start()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, live_template: Path) -> Iterator[LiveServer]:
    server = start_live(tmp_path_factory.mktemp("live"), live_template)
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
