"""The officer's and the handler's pages in a gloved hand: the outbox first while it holds
anything, a log-out that asks first and says so when it cannot, big enough targets, and a
half-filled rectification kept as a draft."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.phone import answer, assigned_finding, log_in, open_form, save, until, wait_offline_ready
from tests.live import LiveServer
from tests.support import PHOTOS_DIR

pytestmark = pytest.mark.browser


def top(page: Page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_the_outbox_comes_first_on_the_home_while_it_holds_a_check(page: Page, context: BrowserContext):
    log_in(page)
    page.wait_for_selector("[data-outbox] .outbox-summary")
    assert top(page, "[data-outbox]") > top(page, "ul.campaigns")  # empty: below the campaigns

    wait_offline_ready(page)
    context.set_offline(True)
    open_form(page)
    answer(page, "san-01", "pass")
    save(page)
    page.goto("/field")
    expect(page.locator(".outbox-summary")).to_have_text("1 check is waiting to be sent.")
    assert top(page, "[data-outbox]") < top(page, "h1")


def test_two_saved_checks_of_one_campaign_can_be_told_apart(page: Page, context: BrowserContext):
    log_in(page)
    wait_offline_ready(page)
    context.set_offline(True)
    open_form(page)
    site = page.locator("select[name=site] option:not([value=''])").first.get_attribute("value")
    page.select_option("select[name=site]", site)
    answer(page, "san-01", "fail")
    answer(page, "san-02", "fail")
    at_site = save(page)
    open_form(page)
    answer(page, "san-01", "fail")
    elsewhere = save(page)
    page.goto("/field")
    first = page.locator(f"[data-outbox-item='{at_site}']")
    second = page.locator(f"[data-outbox-item='{elsewhere}']")
    expect(first).to_contain_text(f"Site {site}")
    expect(first).to_contain_text("2 problems found")
    expect(second).to_contain_text("1 problem found")
    expect(second).not_to_contain_text("Site ")


def test_logging_out_asks_first_and_offline_says_it_cannot(page: Page, context: BrowserContext):
    log_in(page)
    asked: list[str] = []

    def refuse(dialog):  # a change of mind: stay logged in
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.click("form.logout button")
    page.wait_for_timeout(300)
    assert len(asked) == 1 and asked[0].startswith("Log out?")
    assert page.url.endswith("/field")

    wait_offline_ready(page)
    context.set_offline(True)
    page.click("form.logout button")
    page.wait_for_timeout(300)
    assert (
        asked[1] == "There is no connection, so you cannot log out now. Try again when the phone is online."
    )
    expect(page.locator("h1")).to_have_text("Record a check")  # no browser error page

    context.set_offline(False)
    page.remove_listener("dialog", refuse)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form.logout button")
    page.wait_for_url("**/login**")


def test_the_officers_buttons_and_links_are_big_enough_for_a_gloved_thumb(page: Page):
    log_in(page)
    page.wait_for_selector("[data-outbox] .outbox-summary")
    for selector in (
        "form.lang-switch button",
        "form.logout button",
        "a.more-link",
        ".topnav a",
        "ul.campaigns a",
    ):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (selector, box)
    open_form(page)
    for selector in (
        "[data-locate]",
        "[data-manual-toggle]",
        ".camera-button",
        "[data-rest-pass]",
        ".choices span",
    ):
        box = page.locator(selector).first.bounding_box() or {}
        if selector == ".camera-button":  # inside a closed item: open it first
            answer(page, "san-01", "fail")
            box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (selector, box)
    smallest = page.evaluate(
        """() => Math.min(...Array.from(document.querySelectorAll('main *'))
            .filter(e => e.offsetParent && Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
    )
    assert smallest >= 14


def test_a_half_filled_rectification_comes_back_after_a_reload(page: Page, live: LiveServer):
    finding_id = assigned_finding(live, PHOTOS_DIR / "gps_DSCN0010.jpg")
    log_in(page, "handler", lands_on="/unit")
    page.goto(f"/unit/findings/{finding_id}")
    page.wait_for_selector(".position.ok")
    page.set_input_files("input[name=photos]", str(PHOTOS_DIR / "hdr_iphone_hdr_YES.jpg"))
    page.fill("textarea[name=note]", "bins emptied")
    uuid = page.input_value("input[name=uuid]")
    # Polled from here: the page's Content-Security-Policy refuses the eval that wait_for_function needs.
    until(
        lambda: page.evaluate("() => document.getElementById('rectify-form').dataset.draftSaved"),
        what="the draft was saved",
        page=page,
    )
    page.wait_for_timeout(400)
    page.reload()
    page.wait_for_selector("#rectify-form[data-draft-restored]")
    assert page.input_value("input[name=uuid]") == uuid
    expect(page.locator("textarea[name=note]")).to_have_value("bins emptied")
    assert page.eval_on_selector("input[name=photos]", "i => i.files.length") == 1
    # The restored photo is checked again: it was taken far from the finding.
    expect(page.locator("[data-photo-warnings]")).to_contain_text("from the finding")


def test_the_handler_is_warned_before_sending_the_before_photo_again(page: Page, live: LiveServer):
    finding_id = assigned_finding(live, PHOTOS_DIR / "gps_DSCN0010.jpg")
    log_in(page, "handler", lands_on="/unit")
    page.goto(f"/unit/findings/{finding_id}")
    page.wait_for_selector(".position.ok")
    warnings = page.locator("[data-photo-warnings]")
    # Another picture of the place: no warning about a reused photo.
    page.set_input_files("input[name=photos]", str(PHOTOS_DIR / "mobile_jolla.jpg"))
    page.wait_for_timeout(1500)
    expect(warnings).not_to_contain_text("looks the same")
    # The officer's own before-photo sent back as the after-photo: the handler is told before saving.
    page.set_input_files("input[name=photos]", str(PHOTOS_DIR / "gps_DSCN0010.jpg"))
    expect(warnings).to_contain_text("looks the same as a photo of the finding")
