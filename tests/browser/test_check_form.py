"""The check form in the hand: a half-filled check survives a reload and a closed tab, the page
holds still while the position arrives, and saving a partly answered check asks about the rest."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from server.demo import data as demo
from tests.browser.phone import Server, answer, log_in, open_form, until, wait_in_page
from tests.support import PHOTOS_DIR

pytestmark = pytest.mark.browser

SANITATION = demo.CAMPAIGNS[0]
PHOTO = PHOTOS_DIR / "gps_DSCN0010.jpg"

# The position arrives 1.5 s after it is asked for, as on a phone finding its satellites; the page
# records when it was asked and every layout shift.
SLOW_POSITION = """
(() => {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts.push(e.value);
  }).observe({ type: "layout-shift", buffered: true });
  const real = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);
  navigator.geolocation.getCurrentPosition = (ok, bad, opts) => {
    window.__askedAt = performance.now();
    real((pos) => setTimeout(() => ok(pos), 1500), bad, opts);
  };
})();
"""


def half_fill(page: Page) -> str:
    answer(page, "san-01", "fail")
    page.select_option("select[name=s_san-01]", "critical")
    page.fill("textarea[name=n_san-01]", "bins overflowing by the gate")
    page.set_input_files("input[name=p_san-01]", str(PHOTO))
    answer(page, "san-02", "pass")
    page.fill("textarea[name=note]", "market street, morning round")
    uuid = page.input_value("input[name=uuid]")
    # Kept as typed: the draft's time shows once it is written.
    wait_in_page(
        page,
        "(n) => document.getElementById('check-form').dataset.draftSaved && "
        "document.querySelector('textarea[name=note]').value === n",
        "market street, morning round",
    )
    page.wait_for_timeout(400)  # the last keystroke's write
    return uuid


def expect_restored(page: Page, uuid: str) -> None:
    page.wait_for_selector("#check-form[data-draft-restored]")
    assert page.input_value("input[name=uuid]") == uuid
    expect(page.locator("[data-item='san-01'] input[value=fail]")).to_be_checked()
    expect(page.locator("[data-item='san-02'] input[value=pass]")).to_be_checked()
    expect(page.locator("select[name=s_san-01]")).to_have_value("critical")
    expect(page.locator("textarea[name=n_san-01]")).to_have_value("bins overflowing by the gate")
    expect(page.locator("textarea[name=note]")).to_have_value("market street, morning round")
    assert page.eval_on_selector("input[name=p_san-01]", "i => i.files.length") == 1
    expect(page.locator("[data-item='san-01'] .previews img")).to_have_count(1)
    expect(page.locator("[data-item='san-01']")).to_have_class("item is-fail")
    expect(page.locator("[data-progress]")).to_have_text(f"Checked 2/{len(SANITATION.items)}")
    expect(page.locator("[data-draft-state]")).to_contain_text("Draft kept on this phone at")
    expect(page.locator("[data-position-status]")).to_contain_text("Located ±8 m")


def test_a_half_filled_check_survives_a_reload_and_a_closed_tab_until_it_is_discarded(
    page: Page, context: BrowserContext
):
    log_in(page)
    open_form(page)
    uuid = half_fill(page)

    page.reload()
    expect_restored(page, uuid)

    # The tab is closed (a phone call, the app swiped away) and the form opened again.
    page.close()
    again = context.new_page()
    again.goto(f"/field/{SANITATION.code}/new")
    expect_restored(again, uuid)

    # Discarded on purpose: the next form is a new, empty check.
    again.once("dialog", lambda dialog: dialog.accept())
    again.click("[data-discard-draft]")
    again.wait_for_url(f"**/field/{SANITATION.code}/new")
    again.wait_for_selector(".position.ok")
    assert again.input_value("input[name=uuid]") != uuid
    expect(again.locator("[data-item='san-01'] input[value=fail]")).not_to_be_checked()
    expect(again.locator("textarea[name=note]")).to_have_value("")
    again.reload()
    again.wait_for_selector(".position.ok")
    assert again.get_attribute("#check-form", "data-draft-restored") is None


def test_a_saved_check_leaves_no_draft_behind(page: Page, server: Server):
    log_in(page)
    open_form(page)
    uuid = half_fill(page)
    page.click("[data-save]")
    page.click("[data-review-na]")
    page.click("[data-review-save]")
    page.wait_for_selector("[data-save-state].is-ok")
    until(lambda: server.check(uuid) is not None, 20, "the check reached the server", page=page)
    open_form(page)
    assert page.input_value("input[name=uuid]") != uuid
    expect(page.locator("textarea[name=note]")).to_have_value("")
    assert page.get_attribute("#check-form", "data-draft-restored") is None


def test_the_check_form_holds_still_while_the_position_arrives(page: Page):
    log_in(page)
    page.add_init_script(SLOW_POSITION)
    page.goto(f"/field/{SANITATION.code}/new")
    expect(page.locator("[data-position-status]")).to_contain_text("Finding the position")
    page.wait_for_selector(".position.ok", timeout=10_000)
    page.wait_for_timeout(500)
    shifts = page.evaluate("window.__shifts")
    assert sum(shifts) < 0.05, shifts
    # The position is asked for once the page is painted, not before.
    first_paint = page.evaluate(
        "performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint').startTime"
    )
    assert page.evaluate("window.__askedAt") >= first_paint


def test_saving_a_partly_answered_check_asks_about_the_rest_and_all_the_rest_pass_answers_them(
    page: Page, server: Server
):
    total = len(SANITATION.items)
    log_in(page)
    open_form(page)
    expect(page.locator("[data-progress]")).to_have_text(f"Checked 0/{total}")
    answer(page, "san-01", "fail")
    page.fill("textarea[name=n_san-01]", "bins overflowing")
    expect(page.locator("[data-progress]")).to_have_text(f"Checked 1/{total}")
    uuid = page.input_value("input[name=uuid]")

    page.click("[data-save]")
    review = page.locator("#check-review")
    expect(review).to_be_visible()
    expect(review.locator("[data-review-failed] li")).to_have_text([SANITATION.items[0].text_en])
    expect(review.locator("[data-review-missing-count]")).to_contain_text(
        f"{total - 1} items are not answered yet"
    )
    expect(review.locator("[data-review-missing] li")).to_have_count(total - 1)
    expect(review.locator("[data-review-save]")).to_be_hidden()  # not before the rest is answered

    # "Answer them" goes back to the first unanswered item; nothing was saved.
    page.click("[data-review-answer]")
    expect(review).to_be_hidden()
    expect(page.locator("[data-item='san-02'] input[value=pass]")).to_be_focused()
    expect(page.locator("[data-save-state]")).not_to_have_class("save-state is-ok")

    page.click("[data-rest-pass]")
    expect(page.locator("[data-progress]")).to_have_text(f"Checked {total}/{total}")
    expect(page.locator("[data-rest-pass]")).to_be_disabled()
    for item in SANITATION.items[1:]:
        expect(page.locator(f"[data-item='{item.code}'] input[value=pass]")).to_be_checked()
    expect(page.locator("[data-item='san-01'] input[value=fail]")).to_be_checked()

    # Before saving, the failed items once more; nothing is left unanswered now.
    page.click("[data-save]")
    expect(review.locator("[data-review-missing-box]")).to_be_hidden()
    expect(review.locator("[data-review-failed] li")).to_have_text([SANITATION.items[0].text_en])
    page.click("[data-review-save]")
    page.wait_for_selector("[data-save-state].is-ok")
    stored = until(lambda: server.check(uuid), 20, "the check reached the server", page=page)
    assert [(a["item"], a["result"]) for a in stored["answers"]] == [("san-01", "fail")] + [
        (item.code, "pass") for item in SANITATION.items[1:]
    ]
