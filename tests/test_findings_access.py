"""Who sees which finding: covert checks until the office discloses them, lists per role,
filters and pages, after-photos, and the rectification notice PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from conftest import DEMO_PASSWORD, csrf_from
from server.db import Database
from tests.helpers_findings import (
    CHINA,
    NOTICE_RE,
    ROLES,
    assign,
    auth,
    covert_finding,
    fixture_photo,
    future,
    get_finding,
    merge,
    new_finding,
    new_uuid,
    plain_jpeg,
    record_check,
    rectify,
    update_finding,
    verify,
)


@pytest.fixture
async def db(settings):
    """The test's own handle on the app's database."""
    database = Database(settings)
    yield database
    await database.dispose()


# --- covert checks -----------------------------------------------------------------------


async def status_for(client, url: str, user: str) -> int:
    return (await client.get(url, headers=await auth(client, user))).status_code


async def test_a_covert_finding_is_hidden_until_the_office_discloses_it(client):
    check_uuid, finding_id = await covert_finding(client)
    finding_url, check_url = f"/api/v1/findings/{finding_id}", f"/api/v1/checks/{check_uuid}"

    # Before disclosure: only its author and the office know it exists.
    for user, expected in {
        "supervisor": 200,
        "office": 200,
        "lead": 404,
        "handler": 404,
        "officer": 404,
        "lead-muck": 404,
        "handler-muck": 404,
    }.items():
        assert await status_for(client, finding_url, user) == expected, user
        assert await status_for(client, check_url, user) == expected, user
    lead_list = (await client.get("/api/v1/findings", headers=await auth(client, "lead"))).json()["items"]
    assert finding_id not in [f["id"] for f in lead_list]
    # The lead cannot assign it; nor can the office before disclosing it.
    await assign(client, finding_id, "lead", expect=404)
    response = await assign(client, finding_id, "office", expect=409)
    assert response.json()["finding_status"] == "new"
    assert (await get_finding(client, finding_id))["history"] == []

    # Only the office discloses; the others learn nothing from trying.
    for user in ("officer", "lead", "handler", "supervisor", "lead-muck", "handler-muck"):
        response = await client.post(
            f"/api/v1/checks/{check_uuid}/disclose", headers=await auth(client, user)
        )
        assert response.status_code in (403, 404), (user, response.text)
    assert await status_for(client, finding_url, "lead") == 404
    for attempt in range(2):
        response = await client.post(
            f"/api/v1/checks/{check_uuid}/disclose", headers=await auth(client, "office")
        )
        assert response.status_code == 200, response.text
        assert response.json()["disclosed_findings"] == (1 if attempt == 0 else 0)

    # Now the lead sees the finding and its check, and assigns it.
    for url in (finding_url, check_url):
        assert await status_for(client, url, "lead") == 200, url
    assert await status_for(client, finding_url, "lead-muck") == 404
    assert await status_for(client, finding_url, "officer") == 404
    lead_list = (await client.get("/api/v1/findings", headers=await auth(client, "lead"))).json()["items"]
    assert finding_id in [f["id"] for f in lead_list]
    assert await status_for(client, finding_url, "handler") == 404  # not yet their unit's
    await assign(client, finding_id, "lead")
    assert await status_for(client, finding_url, "handler") == 200
    finding = await get_finding(client, finding_id, "lead")
    assert [(e["action"], e["by"]) for e in finding["history"]] == [
        ("disclosed", "office"),
        ("assigned", "lead"),
    ]
    assert finding["covert"] is True


async def test_a_covert_checks_photos_are_hidden_until_disclosure(client):
    receipt = await record_check(client, "supervisor", kind="unannounced", photos=[plain_jpeg()])
    photo_url = f"/api/v1/photos/{receipt['photo_uuids'][0]}"
    hidden = {
        "supervisor": 200,
        "office": 200,
        "lead": 404,
        "officer": 404,
        "handler": 404,
        "handler-muck": 404,
    }
    for user, expected in hidden.items():
        assert await status_for(client, photo_url, user) == expected, user
    response = await client.post(
        f"/api/v1/checks/{receipt['uuid']}/disclose", headers=await auth(client, "office")
    )
    assert response.status_code == 200
    # The lead and the campaign's responsible unit now see it; another unit still does not.
    for user, expected in {"lead": 200, "handler": 200, "officer": 404, "handler-muck": 404}.items():
        assert await status_for(client, photo_url, user) == expected, user


async def test_a_covert_finding_assigned_after_disclosure_runs_the_whole_workflow(client):
    check_uuid, finding_id = await covert_finding(client)
    office = await auth(client, "office")
    assert (await client.post(f"/api/v1/checks/{check_uuid}/disclose", headers=office)).status_code == 200
    await assign(client, finding_id, "office")
    await rectify(client, finding_id)
    assert (await get_finding(client, finding_id, "handler"))["status"] == "submitted"


# --- lists --------------------------------------------------------------------------------


async def listed(client, user: str, **params) -> list[int]:
    response = await client.get("/api/v1/findings", params=params, headers=await auth(client, user))
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["items"]]


@pytest.fixture
async def population(client):
    """Findings of several campaigns, units, authors and states; returns their ids by name."""
    ids = {}
    ids["san_new"] = await new_finding(client, site="chaoyang-rd", severity="critical")
    ids["san_assigned"] = await new_finding(client)
    await assign(client, ids["san_assigned"])
    ids["muck_assigned"] = await new_finding(client, campaign="muck", severity="minor")
    await assign(client, ids["muck_assigned"], "lead-muck", unit="muck-office")
    ids["parks_new"] = await new_finding(client, campaign="parks")
    ids["san_officer2"] = await new_finding(client, "officer2", site="chaoyang-rd")
    _check, ids["san_covert"] = await covert_finding(client)
    ids["san_maojian"] = await new_finding(client, "officer2")
    await assign(client, ids["san_maojian"], unit="maojian")
    return ids


VISIBLE = {
    "officer": ["san_new", "san_assigned", "muck_assigned", "parks_new"],  # their own checks
    "supervisor": ["san_covert"],
    "lead": ["san_new", "san_assigned", "parks_new", "san_officer2", "san_maojian"],  # sanitation and parks
    "lead-muck": ["muck_assigned"],
    "handler": ["san_assigned"],  # assigned to sanitation-office only
    "handler-muck": ["muck_assigned"],
    "office": [
        "san_new",
        "san_assigned",
        "muck_assigned",
        "parks_new",
        "san_officer2",
        "san_covert",
        "san_maojian",
    ],
}


def newest_first(ids: dict, names: list[str]) -> list[int]:
    return sorted((ids[n] for n in names), reverse=True)


async def test_each_role_lists_only_what_it_may_see(client, population):
    assert set(VISIBLE) == set(ROLES)
    for user, names in VISIBLE.items():
        assert await listed(client, user) == newest_first(population, names), user
    assert await listed(client, "officer2") == newest_first(population, ["san_officer2", "san_maojian"])
    # What a list shows, GET shows; what it hides is 404.
    for user, names in VISIBLE.items():
        for name, finding_id in population.items():
            expected = 200 if name in names else 404
            assert await status_for(client, f"/api/v1/findings/{finding_id}", user) == expected, (user, name)


async def test_filters(client, db, population):
    p = population
    assert await listed(client, "office", campaign="sanitation") == newest_first(
        p, ["san_new", "san_assigned", "san_officer2", "san_covert", "san_maojian"]
    )
    assert await listed(client, "office", campaign="muck") == [p["muck_assigned"]]
    assert await listed(client, "office", status="assigned") == newest_first(
        p, ["san_assigned", "muck_assigned", "san_maojian"]
    )
    assert await listed(client, "office", unit="sanitation-office") == [p["san_assigned"]]
    assert await listed(client, "lead", unit="maojian") == [p["san_maojian"]]
    assert await listed(client, "office", site="chaoyang-rd") == newest_first(p, ["san_new", "san_officer2"])
    assert await listed(client, "office", severity="critical") == [p["san_new"]]
    assert await listed(client, "office", severity="minor") == [p["muck_assigned"]]
    # Filters narrow what the role sees; they never widen it.
    assert await listed(client, "lead", campaign="muck") == []
    assert await listed(client, "handler", unit="muck-office") == []
    assert await listed(client, "lead", campaign="sanitation", status="new") == newest_first(
        p, ["san_new", "san_officer2"]
    )

    # since / until, on when the finding was created
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for days, name in enumerate(["san_new", "san_assigned", "parks_new"]):
        await update_finding(db, p[name], created_at=base + timedelta(days=days))

    def local(d: datetime) -> str:
        return d.astimezone(CHINA).isoformat()

    window = {"since": local(base), "until": local(base + timedelta(days=2))}
    assert await listed(client, "lead", **window) == newest_first(p, ["san_new", "san_assigned"])
    assert await listed(client, "lead", until=local(base + timedelta(days=3))) == newest_first(
        p, ["san_new", "san_assigned", "parks_new"]
    )
    assert p["san_new"] not in await listed(client, "lead", since=local(base + timedelta(hours=1)))

    # overdue: waiting for the unit past its deadline
    assert await listed(client, "office", overdue="true") == []
    for name in ("san_assigned", "muck_assigned"):
        await update_finding(db, p[name], deadline=datetime.now(UTC) - timedelta(hours=1))
    assert await listed(client, "office", overdue="true") == newest_first(
        p, ["san_assigned", "muck_assigned"]
    )
    assert await listed(client, "lead", overdue="true") == [p["san_assigned"]]
    assert await listed(client, "handler-muck", overdue="true") == [p["muck_assigned"]]
    assert len(await listed(client, "office", overdue="false")) == len(p)
    body = (
        await client.get("/api/v1/findings", params={"overdue": "true"}, headers=await auth(client, "office"))
    ).json()
    assert all(f["overdue"] for f in body["items"])


async def test_pages_follow_next_to_the_end(client, population):
    everything = await listed(client, "office")
    for params in ({"limit": "2"}, {"limit": "3", "campaign": "sanitation"}, {"limit": "1", "status": "new"}):
        expected = await listed(client, "office", **{k: v for k, v in params.items() if k != "limit"})
        seen, url, pages = [], "/api/v1/findings", 0
        query = params
        while url:
            response = await client.get(url, params=query, headers=await auth(client, "office"))
            assert response.status_code == 200, response.text
            body = response.json()
            assert len(body["items"]) <= int(params["limit"])
            seen += [f["id"] for f in body["items"]]
            url, query, pages = body["next"], None, pages + 1
            assert pages <= len(everything) + 1
        assert seen == expected, params
    # A page that ends exactly at the last finding says there is no next one.
    response = await client.get(
        "/api/v1/findings", params={"limit": str(len(everything))}, headers=await auth(client, "office")
    )
    assert response.json()["next"] is None


async def test_next_keeps_filters_with_an_offset_in_them(client, population):
    since = (datetime.now(UTC) - timedelta(days=1)).astimezone(CHINA).isoformat()  # "+08:00" in the query
    headers = await auth(client, "office")
    expected = await listed(client, "office", since=since)
    assert len(expected) == len(population)
    response = await client.get("/api/v1/findings", params={"since": since, "limit": "2"}, headers=headers)
    seen = [f["id"] for f in response.json()["items"]]
    url = response.json()["next"]
    while url:
        page = await client.get(url, headers=headers)
        assert page.status_code == 200, (url, page.text)
        seen += [f["id"] for f in page.json()["items"]]
        url = page.json()["next"]
    assert seen == expected


BAD_FILTERS = {
    "campaign": "no-such-campaign",
    "status": "open",
    "unit": "no-such-unit",
    "site": "no-such-site",
    "severity": "huge",
    "since": "yesterday",
    "until": "2026-13-45T00:00:00+08:00",
    "overdue": "maybe",
    "limit": "0",
    "before": "-3",
}


async def test_bad_filter_values_are_422_naming_the_filter(client):
    headers = await auth(client, "office") | {"Accept-Language": "en"}
    answers, fields = {}, {}
    for name, value in BAD_FILTERS.items():
        response = await client.get("/api/v1/findings", params={name: value}, headers=headers)
        answers[name] = response.status_code
        body = response.json()
        assert body["message"], name
        fields[name] = [e["field"] for e in body.get("errors", [])]
    assert answers == dict.fromkeys(BAD_FILTERS, 422)
    assert fields == {name: [name] for name in BAD_FILTERS}


async def test_a_time_filter_without_offset_is_422(client):
    response = await client.get(
        "/api/v1/findings", params={"since": "2026-11-01T00:00:00"}, headers=await auth(client, "office")
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "since"


# --- after-photos --------------------------------------------------------------------------


async def test_after_photos_are_seen_by_those_who_see_the_finding(client):
    receipt = await record_check(client, photos=[fixture_photo("gps_DSCN0021.jpg")])
    finding_id = receipt["findings"][0]["id"]
    await assign(client, finding_id)
    result = await rectify(client, finding_id)
    after = f"/api/v1/photos/{result['photos'][0]}"
    before = f"/api/v1/photos/{receipt['photo_uuids'][0]}"
    for user, expected in {
        "lead": 200,
        "handler": 200,
        "office": 200,
        "officer": 200,  # the finding of their own check
        "officer2": 404,
        "lead-muck": 404,
        "handler-muck": 404,
        "supervisor": 404,
    }.items():
        response = await client.get(after, headers=await auth(client, user))
        assert response.status_code == expected, user
        if expected == 200:
            assert response.headers["content-type"] == "image/jpeg"
            assert response.content.startswith(b"\xff\xd8")
        thumb = await client.get(after, params={"size": "thumb"}, headers=await auth(client, user))
        assert thumb.status_code == expected, user
    for user, expected in {"lead": 200, "handler": 200, "officer2": 404, "handler-muck": 404}.items():
        assert await status_for(client, before, user) == expected, user
    assert await status_for(client, f"/api/v1/photos/{new_uuid()}", "office") == 404


async def test_after_photos_of_a_finding_merged_away_stay_visible(client):
    finding_id = await new_finding(client)
    await assign(client, finding_id)
    result = await rectify(client, finding_id)
    await verify(client, finding_id, "rework")
    other = await new_finding(client)
    await merge(client, finding_id, other)
    for user in ("lead", "handler", "office"):
        assert await status_for(client, f"/api/v1/photos/{result['photos'][0]}", user) == 200, user


# --- the rectification notice ---------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


async def test_the_notice_pdf(client):
    finding_id = await new_finding(client, photos=[fixture_photo("gps_DSCN0021.jpg")])
    url = f"/api/v1/findings/{finding_id}/notice.pdf"
    before = await client.get(url, headers=await auth(client, "lead"))
    assert before.status_code == 409, before.text
    assert before.json()["finding_status"] == "new"
    deadline = future(5)
    number = (await assign(client, finding_id, deadline=deadline)).json()["notice_number"]
    assert NOTICE_RE.match(number)
    for user in ("lead", "handler", "office", "officer"):
        response = await client.get(url, headers=await auth(client, user))
        assert response.status_code == 200, (user, response.text)
        assert response.headers["content-type"].startswith("application/pdf")
        assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert number in text
    assert "市环境卫生管理处" in text  # the unit's Chinese name, as real text
    assert "整改通知书" in text
    local_deadline = datetime.fromisoformat(deadline).astimezone(CHINA)
    assert f"{local_deadline:%Y}" in text and f"{local_deadline.month}" in text
    for user in ("handler-muck", "officer2", "lead-muck", "supervisor"):
        response = await client.get(url, headers=await auth(client, user))
        assert response.status_code == 404, (user, response.text)
    assert (
        await client.get("/api/v1/findings/987654/notice.pdf", headers=await auth(client, "office"))
    ).status_code == 404


async def test_a_covert_findings_notice_is_not_served_before_disclosure(client):
    check_uuid, finding_id = await covert_finding(client)
    url = f"/api/v1/findings/{finding_id}/notice.pdf"
    assert await status_for(client, url, "lead") == 404
    office = await auth(client, "office")
    await client.post(f"/api/v1/checks/{check_uuid}/disclose", headers=office)
    await assign(client, finding_id, "lead", unit="zhangwan")
    response = await client.get(url, headers=await auth(client, "lead"))
    assert response.status_code == 200
    assert "张湾区城管执法局" in pdf_text(response.content)
    assert await status_for(client, url, "handler") == 404  # zhangwan's, not sanitation-office's


# --- the browser's session ---------------------------------------------------------------


async def browser_login(client, username: str) -> str:
    """Log in through the form like a browser; returns the session's CSRF token.

    (conftest.login expects the 303, but the test client follows redirects by default.)
    """
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "_csrf": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = await client.get(response.headers["location"])
    return csrf_from(home.text)


async def test_a_browser_session_needs_its_csrf_token_to_change_a_finding(client):
    finding_id = await new_finding(client)
    await auth(client, "office")  # a token fetched before the browser logs in (its cookie would need CSRF)
    csrf = await browser_login(client, "lead")  # the session cookie now rides along
    body = {"unit": "sanitation-office", "deadline": future()}
    refused = await client.post(f"/api/v1/findings/{finding_id}/assign", json=body)
    assert refused.status_code == 403, refused.text
    assert (await get_finding(client, finding_id))["status"] == "new"
    forged = await client.post(
        f"/api/v1/findings/{finding_id}/assign", json=body, headers={"X-CSRF-Token": "x" * 40}
    )
    assert forged.status_code == 403, forged.text
    allowed = await client.post(
        f"/api/v1/findings/{finding_id}/assign", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert allowed.status_code == 200, allowed.text
    assert (await client.get(f"/api/v1/findings/{finding_id}")).json()["status"] == "assigned"


async def test_merging_a_covert_finding_does_not_reveal_it_in_the_leads_history(client):
    _check, covert = await covert_finding(client)
    open_one = await new_finding(client)
    await merge(client, covert, open_one, user="office")
    # The office sees both sides of the merge; the lead sees their finding with no trace of
    # the unannounced check, until the office discloses it.
    office_view = await get_finding(client, open_one, user="office")
    assert [e["related_finding"] for e in office_view["history"] if e["action"] == "absorbed"] == [covert]
    lead_view = await get_finding(client, open_one, user="lead")
    assert all(e["related_finding"] != covert for e in lead_view["history"])
    assert covert not in lead_view["merged"]
    page = await client.get(f"/findings/{open_one}", headers=await auth(client, "lead"))
    assert page.status_code == 200 and f"#{covert}<" not in page.text
