"""A unit's handler answers a rectification notice with a PDF through the notice's page; a web page
renamed .pdf is refused on the page saying why; the office downloads the PDF and accepts the answer.
Real browser, real server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, expect
from pypdf import PdfReader

from tests.browser.phone import Server, log_in, phone
from tests.helpers_duties import pdf_bytes
from tests.live import LiveServer

pytestmark = pytest.mark.browser
PERIOD = str(date.today().year)
# Democratic votes alone rate the units: dust-office comes out unqualified.
VOTES = {"satisfied": 2, "basically_satisfied": 3, "unsatisfied": 40}


@pytest.fixture(scope="module")
def office_api(live: LiveServer) -> Iterator[Server]:
    api = Server(live, "office")
    yield api
    api.close()


def test_the_unit_answers_a_notice_with_a_pdf_and_the_office_accepts_it(
    browser: Browser, playwright: Playwright, live: LiveServer, office_api: Server, tmp_path: Path
):
    voted = office_api.http.put(f"/api/v1/evaluations/{PERIOD}/dust-office", json=VOTES)
    assert voted.status_code == 201, voted.text
    deadline = (date.today() + timedelta(days=14)).isoformat()
    issued = office_api.http.post(
        "/api/v1/assessment/notices", json={"period": PERIOD, "unit": "dust-office", "deadline": deadline}
    )
    assert issued.status_code == 201, issued.text
    notice = issued.json()
    url = f"/assessment/notices/{notice['id']}"

    report = tmp_path / "rectification-report.pdf"
    report.write_bytes(pdf_bytes("Rectification report: site fences repaired, dust nets laid"))
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<!DOCTYPE html><html><script>alert(1)</script></html>")

    unit = phone(browser, playwright, live)
    try:
        page = unit.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, "handler-dust", lands_on="/unit")
        page.goto(url)
        expect(page.locator("[data-status]")).to_have_attribute("data-status", "issued")
        form = page.locator(f"form[action='{url}/answer']")

        # A web page named .pdf is refused on the page, the text typed kept, nothing recorded.
        form.locator("textarea[name=answer]").fill("Fences repaired; see the report.")
        form.locator("input[name=document]").set_input_files(str(fake))
        form.locator("button[type=submit]").click()
        expect(page.locator(".field-error")).to_contain_text("HTML")
        expect(form.locator("textarea[name=answer]")).to_have_value("Fences repaired; see the report.")
        assert office_api.http.get(f"/api/v1/assessment/notices/{notice['id']}").json()["status"] == "issued"

        form.locator("input[name=document]").set_input_files(str(report))
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"**{url}")
        expect(page.locator("[data-status]")).to_have_attribute("data-status", "answered")
        expect(page.get_by_role("link", name="rectification-report.pdf")).to_be_visible()
        assert not errors, errors
    finally:
        unit.close()

    office = phone(browser, playwright, live)
    try:
        page = office.new_page()
        log_in(page, "office", lands_on="/office")
        page.goto(url)
        expect(page.get_by_text("Fences repaired; see the report.")).to_be_visible()
        with page.expect_download() as downloading:
            page.get_by_role("link", name="rectification-report.pdf").click()
        download = downloading.value
        assert download.suggested_filename == "rectification-report.pdf"
        saved = Path(download.path()).read_bytes()
        assert saved == report.read_bytes()
        assert "site fences repaired" in PdfReader(io.BytesIO(saved)).pages[0].extract_text()

        page.get_by_role("button", name="Accept").click()
        page.wait_for_url(f"**{url}")
        expect(page.locator("[data-status]")).to_have_attribute("data-status", "accepted")
    finally:
        office.close()
    stored = office_api.http.get(f"/api/v1/assessment/notices/{notice['id']}").json()
    assert stored["status"] == "accepted"
    assert stored["document"]["media_type"] == "application/pdf"
