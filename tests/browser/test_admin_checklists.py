"""The office changes a checklist while a check waits on a phone; the office sets up a new
campaign with its checklist and an officer records a check against it. Real browser, real server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from server.demo import data
from tests.browser.phone import Server, answer, log_in, open_form, phone, save, until, wait_offline_ready
from tests.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def office_api(live: LiveServer) -> Iterator[Server]:
    api = Server(live, "office")
    yield api
    api.close()


@pytest.fixture
def officer_page(browser: Browser, playwright: Playwright, live: LiveServer) -> Iterator[Page]:
    context = phone(browser, playwright, live)
    page = context.new_page()
    yield page
    context.close()


def test_a_check_recorded_offline_against_version_1_arrives_after_version_2_with_version_1s_texts(
    page: Page, context: BrowserContext, server: Server, office_api: Server
):
    version_1 = {i.code: i for i in data.CAMPAIGNS_BY_CODE["sanitation"].items}
    log_in(page)
    wait_offline_ready(page)
    context.set_offline(True)
    open_form(page)
    expect(page.locator("#check-form")).to_have_attribute("data-checklist-version", "1")
    answer(page, "san-01", "fail")
    page.fill("textarea[name=n_san-01]", "bins overflowing")
    answer(page, "san-02", "pass")
    uuid = save(page)
    expect(page.locator("[data-save-state]")).to_contain_text("Saved on this phone")

    # Meanwhile the office rewords san-01 and drops san-02: version 2.
    items = [
        {
            "code": i.code,
            "text_zh": i.text_zh + "（修订）",
            "text_en": i.text_en + " (revised)",
            "severity": i.severity,
        }
        for i in data.CAMPAIGNS_BY_CODE["sanitation"].items
        if i.code != "san-02"
    ]
    saved = office_api.http.put("/api/v1/admin/campaigns/sanitation/checklist", json={"items": items})
    assert saved.status_code == 201 and saved.json()["version"] == 2
    campaigns = {c["code"]: c for c in office_api.http.get("/api/v1/campaigns").json()}
    assert campaigns["sanitation"]["checklist_version"] == 2
    assert server.check(uuid) is None

    context.set_offline(False)
    page.goto("/field")
    page.wait_for_selector(f"[data-outbox-done='{uuid}']", timeout=20_000)
    stored = until(lambda: server.check(uuid), what="the check reached the server")
    assert [(a["item"], a["result"], a["text"]) for a in stored["answers"]] == [
        ("san-01", "fail", version_1["san-01"].text_en),
        ("san-02", "pass", version_1["san-02"].text_en),
    ]
    assert [f["item"] for f in stored["findings"]] == ["san-01"]
    # The finding keeps version 1's wording too; a new form shows version 2's.
    finding = server.finding(stored["findings"][0]["id"])
    assert finding is not None and finding["item_text"] == version_1["san-01"].text_en
    open_form(page)
    expect(page.locator("#check-form")).to_have_attribute("data-checklist-version", "2")
    expect(page.locator("[data-item='san-02']")).to_have_count(0)
    expect(page.locator("[data-item='san-01']")).to_contain_text("(revised)")


def test_the_office_creates_a_campaign_with_a_checklist_and_an_officer_records_a_check_against_it(
    page: Page, officer_page: Page, server: Server
):
    log_in(page, "office", lands_on="/office")
    page.goto("/admin/campaigns")
    form = page.locator("#admin-form")
    form.locator("input[name=code]").fill("night-market")
    form.locator("input[name=name_zh]").fill("夜市整治")
    form.locator("input[name=name_en]").fill("Night markets")
    form.locator("select[name=category]").select_option("public-space")
    form.locator("select[name=lead]").select_option("lead")
    form.locator("select[name=responsible_unit]").select_option("maojian")
    form.locator("textarea[name=measures_zh]").fill("每晚巡查，限时收摊")
    form.locator("input[name=starts_on]").fill("2026-01-01")
    form.locator("input[name=ends_on]").fill("2026-12-31")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/admin/campaigns?done=night-market")
    row = page.locator("tr[data-code='night-market']")
    expect(row).to_contain_text("Version 0")
    row.locator("a", has_text="Version 0").click()
    page.wait_for_url("**/admin/campaigns/night-market/checklist")
    page.fill(
        "textarea[name=items]",
        "nm-01 | 占道经营已清理 | No stalls on the carriageway | major\n"
        "nm-02 | 油烟污水未直排 | No fumes or waste water discharged | minor",
    )
    page.click("button[type=submit]")
    expect(page.locator(".alert-ok")).to_contain_text("version 1")

    log_in(officer_page)
    officer_page.goto("/field")
    expect(officer_page.locator("a[href='/field/night-market/new']")).to_have_count(1)
    open_form(officer_page, "night-market")
    expect(officer_page.locator("h1")).to_have_text("Night markets")
    answer(officer_page, "nm-01", "fail")
    officer_page.fill("textarea[name=n_nm-01]", "three stalls on the road")
    answer(officer_page, "nm-02", "pass")
    uuid = save(officer_page)
    stored = until(lambda: server.check(uuid), what="the check reached the server")
    assert stored["campaign"] == "night-market"
    assert [(a["item"], a["result"], a["text"]) for a in stored["answers"]] == [
        ("nm-01", "fail", "No stalls on the carriageway"),
        ("nm-02", "pass", "No fumes or waste water discharged"),
    ]
    assert [f["item"] for f in stored["findings"]] == ["nm-01"]
