"""The officer's pages: home, the check form as a plain HTML form, and a check's own page."""

from __future__ import annotations

import re
import uuid as uuidlib
from html.parser import HTMLParser
from typing import Any

import pytest

from conftest import check_body, login, new_uuid, token_for
from server.demo import data as demo
from server.geo import distance_m
from tests.support import derive_photos, fixture_photo, row_counts, stored_files

EN = {"Accept-Language": "en"}
SANITATION = demo.CAMPAIGNS[0]
HERE = (32.6293, 110.7981)


class Page(HTMLParser):
    """The tags and the visible text of a page, enough to check what a person sees."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._text: list[str] = []
        self._skip = 0
        self.feed(html)
        self.text = " ".join(" ".join(self._text).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def value(self, name: str) -> str | None:
        found = self.find("input", name=name)
        return found[0].get("value") if found else None


def form_fields(page: Page, **answers: str) -> dict[str, str]:
    """What the browser posts: the form's hidden fields, a hand-entered position and the answers."""
    fields = {a["name"]: a.get("value") or "" for a in page.find("input", type="hidden") if a.get("name")}
    fields = {k: v for k, v in fields.items() if k not in ("next", "locale")}
    fields |= {"manual_lat": str(HERE[0]), "manual_lon": str(HERE[1])}
    for code, result in answers.items():
        fields[f"r_{code}"] = result
    return fields


async def open_form(client: Any, campaign: str = "sanitation") -> Page:
    response = await client.get(f"/field/{campaign}/new", headers=EN)
    assert response.status_code == 200
    return Page(response.text)


# --- home ---------------------------------------------------------------------------------------------


async def test_the_officers_home_lists_the_campaigns_they_record_for(client: Any) -> None:
    await login(client, "officer")
    response = await client.get("/field", headers=EN)
    assert response.status_code == 200
    page = Page(response.text)
    links = [a["href"] for a in page.find("a") if a.get("data-campaign")]
    assert links == [f"/field/{c.code}/new" for c in demo.CAMPAIGNS]
    for campaign in demo.CAMPAIGNS:
        assert campaign.name_en in page.text
    assert "No checks yet." in page.text
    chinese = Page((await client.get("/field")).text)
    assert all(c.name_zh in chinese.text for c in demo.CAMPAIGNS)


async def test_the_officers_home_lists_their_own_recent_checks(client: Any) -> None:
    officer = await token_for(client, "officer")
    mine = [new_uuid() for _ in range(2)]
    for uuid in mine:
        assert (
            await client.put(f"/api/v1/checks/{uuid}", json=check_body(), headers=officer)
        ).status_code == 201
    theirs = new_uuid()
    other = await token_for(client, "officer2")
    assert (await client.put(f"/api/v1/checks/{theirs}", json=check_body(), headers=other)).status_code == 201

    await login(client, "officer")
    page = Page((await client.get("/field", headers=EN)).text)
    checks = [a["href"] for a in page.find("a") if (a.get("href") or "").startswith("/checks/")]
    assert checks == [f"/checks/{u}" for u in reversed(mine)]  # newest first
    assert "1 finding" in page.text and "Every photo received" in page.text
    assert f"/checks/{theirs}" not in checks


# --- the check form -----------------------------------------------------------------------------------


async def test_the_form_renders_the_checklist_with_pass_fail_and_na(client: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    assert SANITATION.name_en in page.text
    for item in SANITATION.items:
        assert item.text_en in page.text
        radios = page.find("input", type="radio", name=f"r_{item.code}")
        assert [r["value"] for r in radios] == ["pass", "fail", "na"], item.code
        assert page.find("select", name=f"s_{item.code}"), item.code  # severity for a failed item
        assert page.find("textarea", name=f"n_{item.code}"), item.code  # what is wrong
        photo = page.find("input", type="file", name=f"p_{item.code}")
        assert (
            photo and "image/jpeg" in (photo[0]["accept"] or "") and photo[0].get("capture") == "environment"
        )
    assert "No such problem" in page.text and "Problem found" in page.text and "Not applicable" in page.text
    # Severity defaults to the item's own.
    first = SANITATION.items[1]
    html = (await client.get("/field/sanitation/new")).text
    select = re.search(rf'<select name="s_{first.code}">(.*?)</select>', html, re.S)
    assert select and re.search(rf'value="{first.severity}"\s+selected', select.group(1))
    # A manual position for when the browser gives none, and the site register.
    assert page.find("input", name="manual_lat") and page.find("input", name="manual_lon")
    assert len(page.find("option")) >= len(demo.SITES)


async def test_a_supervisors_form_starts_as_an_unannounced_check_and_says_what_that_means(
    client: Any,
) -> None:
    await login(client, "supervisor")
    page = await open_form(client)
    options = page.find("option", value="unannounced") + page.find("option", value="open")
    assert [o["value"] for o in options] == ["unannounced", "open"]
    assert "selected" in options[0] and "selected" not in options[1]
    (unannounced,) = page.find("p", **{"data-kind-help": "unannounced"})
    (open_help,) = page.find("p", **{"data-kind-help": "open"})
    assert "hidden" not in unannounced and "hidden" in open_help
    assert "the unit is not told" in page.text


async def test_an_officers_form_starts_as_a_patrol_check(client: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    (patrol,) = page.find("option", value="patrol")
    assert "selected" in patrol
    assert not page.find("p", **{"data-kind-help": "unannounced"})


async def test_each_opening_of_the_form_makes_a_new_check_uuid(client: Any) -> None:
    await login(client, "officer")
    first = (await open_form(client)).value("uuid")
    second = (await open_form(client)).value("uuid")
    assert first and second and first != second
    assert uuidlib.UUID(first).version == 4 and str(uuidlib.UUID(first)) == first
    page = await open_form(client)
    assert page.value("_csrf")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", page.value("recorded_at") or "")


async def test_an_unknown_campaign_has_no_form(client: Any) -> None:
    await login(client, "officer")
    response = await client.get("/field/no-such-campaign/new", headers=EN)
    assert response.status_code == 404
    assert "no-such-campaign" in response.text


async def test_posting_the_form_twice_makes_one_check(client: Any, settings: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    uuid = page.value("uuid")
    fields = form_fields(page, **{"san-01": "fail", "san-02": "pass", "san-03": "na"})
    fields |= {"s_san-01": "critical", "n_san-01": "bins overflowing", "site": demo.SITES[0].code}
    before = await row_counts(settings)

    first = await client.post("/field/sanitation/new", data=fields, follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == f"/checks/{uuid}?saved=1"
    second = await client.post("/field/sanitation/new", data=fields, follow_redirects=False)
    assert second.status_code == 303 and second.headers["location"] == first.headers["location"]

    after = await row_counts(settings)
    assert after["checks"] == before["checks"] + 1
    assert after["answers"] == before["answers"] + 3
    assert after["findings"] == before["findings"] + 1
    shown = Page((await client.get(first.headers["location"], headers=EN)).text)
    assert "The check is saved on the server." in shown.text


async def test_the_same_form_uuid_with_other_answers_is_refused_on_the_form(
    client: Any, settings: Any
) -> None:
    await login(client, "officer")
    page = await open_form(client)
    fields = form_fields(page, **{"san-01": "pass"})
    assert (
        await client.post("/field/sanitation/new", data=fields, follow_redirects=False)
    ).status_code == 303
    before = await row_counts(settings)
    changed = fields | {"r_san-01": "fail"}
    response = await client.post("/field/sanitation/new", data=changed, headers=EN, follow_redirects=False)
    assert response.status_code == 409
    assert "cannot be changed" in Page(response.text).text
    assert await row_counts(settings) == before


async def test_a_form_with_mistakes_comes_back_filled_in_with_the_reason(client: Any, settings: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    uuid = page.value("uuid")
    fields = form_fields(page, **{"san-01": "fail"}) | {
        "n_san-01": "bins",
        "manual_lat": "",
        "manual_lon": "",
    }
    before = await row_counts(settings)
    response = await client.post("/field/sanitation/new", data=fields, headers=EN, follow_redirects=False)
    assert response.status_code == 422
    again = Page(response.text)
    assert "allow location access, or enter it by hand" in again.text
    assert again.value("uuid") == uuid  # the same check, so fixing it and sending again is not a second one
    assert [r["value"] for r in again.find("input", name="r_san-01") if "checked" in r] == ["fail"]
    assert "bins" in response.text
    assert await row_counts(settings) == before

    fixed = form_fields(again, **{"san-01": "fail"}) | {"n_san-01": "bins"}
    assert (await client.post("/field/sanitation/new", data=fixed, follow_redirects=False)).status_code == 303


async def test_a_photo_sent_with_the_form_is_stored_once(client: Any, settings: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    uuid = page.value("uuid")
    fields = form_fields(page, **{"san-01": "fail"})
    files = {"p_san-01": ("scene.jpg", fixture_photo("gps_DSCN0021.jpg"), "image/jpeg")}
    for _attempt in range(2):
        response = await client.post(
            "/field/sanitation/new", data=fields, files=files, follow_redirects=False
        )
        assert response.status_code == 303
    check = (await client.get(f"/api/v1/checks/{uuid}")).json()
    assert len(check["photos"]) == 1 and check["photos"][0]["item"] == "san-01"
    assert check["status"] == "complete"
    assert len(stored_files(settings)) == 1  # the original; the copies are made in the background
    assert await derive_photos(client) == 1
    assert len(stored_files(settings)) == 3


async def test_a_refused_photo_on_the_form_saves_nothing(client: Any, settings: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    fields = form_fields(page, **{"san-01": "fail"})
    files = {"p_san-01": ("scene.jpg", b"not a photo at all" * 100, "image/jpeg")}
    before = await row_counts(settings)
    response = await client.post(
        "/field/sanitation/new", data=fields, files=files, headers=EN, follow_redirects=False
    )
    assert response.status_code == 422
    assert "A photo was refused" in Page(response.text).text
    assert await row_counts(settings) == before
    assert stored_files(settings) == []


# --- a check's page -----------------------------------------------------------------------------------


async def test_the_check_page_shows_answers_photos_position_site_and_findings(client: Any) -> None:
    officer = await token_for(client, "officer")
    site = demo.SITES[3]
    scene, item_photo = new_uuid(), new_uuid()
    body = check_body(
        site=site.code,
        answers=[
            {"item": "san-01", "result": "fail", "severity": "critical", "note": "bins overflowing"},
            {"item": "san-02", "result": "pass"},
            {"item": "san-03", "result": "na"},
        ],
        photos=[{"uuid": item_photo, "item": "san-01"}, {"uuid": scene, "item": None}],
    )
    uuid = new_uuid()
    receipt = await client.put(f"/api/v1/checks/{uuid}", json=body, headers=officer)
    assert receipt.status_code == 201
    finding_id = receipt.json()["findings"][0]["id"]
    response = await client.put(
        f"/api/v1/checks/{uuid}/photos/{item_photo}",
        content=fixture_photo("mobile_jolla.jpg"),
        headers=officer | {"Content-Type": "image/jpeg"},
    )
    assert response.status_code == 201
    await derive_photos(client)

    html = (await client.get(f"/checks/{uuid}", headers=officer | EN)).text
    page = Page(html)
    items = {i.code: i.text_en for i in SANITATION.items}
    for code, result in (
        ("san-01", "Problem found"),
        ("san-02", "No such problem"),
        ("san-03", "Not applicable"),
    ):
        assert re.search(re.escape(items[code]) + r".*?" + result, page.text), code
    assert "bins overflowing" in page.text and "Critical" in page.text
    assert "32.629300, 110.798100" in page.text and "± 8 m" in page.text and "GPS" in page.text
    assert site.name_en in page.text
    assert f"#{finding_id} {items['san-01']}" in page.text
    assert "Waiting for photos" in page.text
    # The received photo as a thumbnail that opens the display size; the other one is still on its way.
    thumbs = page.find("img", src=f"/api/v1/photos/{item_photo}?size=thumb")
    assert thumbs and thumbs[0]["alt"] == items["san-01"]
    assert page.find("a", href=f"/api/v1/photos/{item_photo}")
    assert "Not received yet" in page.text
    for src in [a["src"] for a in page.find("img")]:
        assert (await client.get(src, headers=officer)).status_code == 200


async def test_a_check_without_failures_says_so(client: Any) -> None:
    officer = await token_for(client, "officer")
    uuid = new_uuid()
    body = check_body(answers=[{"item": "san-01", "result": "pass"}])
    assert (await client.put(f"/api/v1/checks/{uuid}", json=body, headers=officer)).status_code == 201
    page = Page((await client.get(f"/checks/{uuid}", headers=officer | EN)).text)
    assert "No findings: nothing failed." in page.text and "No photos." in page.text
    # The badge says what it means, and the count says how much of the checklist was answered.
    assert "Every photo received" in page.text
    total = len(SANITATION.items)
    assert f"Answered 1/{total}" in page.text


async def test_another_officers_check_page_is_not_found(client: Any) -> None:
    officer = await token_for(client, "officer")
    uuid = new_uuid()
    assert (await client.put(f"/api/v1/checks/{uuid}", json=check_body(), headers=officer)).status_code == 201
    await login(client, "officer2")
    assert (await client.get(f"/checks/{uuid}", follow_redirects=False)).status_code == 404


# --- nearest sites ------------------------------------------------------------------------------------


async def test_the_nearest_sites_are_offered_nearest_first(client: Any) -> None:
    await login(client, "officer")
    lat, lon = HERE
    response = await client.get("/field/sites-near", params={"lat": lat, "lon": lon}, headers=EN)
    assert response.status_code == 200
    page = Page(response.text)
    offered = [o["value"] for o in page.find("option")]
    assert offered[0] == ""  # "No site" stays a choice
    expected = sorted(
        (s for s in demo.SITES if distance_m(lat, lon, s.lat, s.lon) <= 3000),
        key=lambda s: distance_m(lat, lon, s.lat, s.lon),
    )[:15]
    assert offered[1:] == [s.code for s in expected]
    nearest = expected[0]
    shown = f"{nearest.name_en} · {distance_m(lat, lon, nearest.lat, nearest.lon):.0f} m"
    assert shown in page.text


@pytest.mark.parametrize(("lat", "lon"), [(39.9042, 116.4074), (91, 0), ("nan", 0)])
async def test_far_away_or_impossible_positions_offer_no_site(client: Any, lat: Any, lon: Any) -> None:
    await login(client, "officer")
    response = await client.get("/field/sites-near", params={"lat": lat, "lon": lon})
    assert response.status_code == 200
    assert [o["value"] for o in Page(response.text).find("option")] == [""]
