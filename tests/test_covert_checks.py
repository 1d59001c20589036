"""Unannounced checks done right: hidden from the inspected unit and from officers everywhere until
the office discloses them, then shown without the supervisor's name; the lead hears of it and sees
the disclosed findings in the live feed; merges never point a reader at a hidden finding; the
notice says where the problem came from."""

from __future__ import annotations

import re

from tests.helpers_complaints import assign as assign_complaint
from tests.helpers_complaints import record as record_complaint
from tests.helpers_complaints import step as complaint_step
from tests.helpers_findings import assign, auth, covert_finding, merge, new_finding, plain_jpeg, record_check

SUPERVISOR_NAMES = ("李文静", "Li Wenjing")
ORGANISATION = "楚风第三方评估有限公司"


async def get(client, url: str, user: str):
    return await client.get(url, headers=await auth(client, user))


def poll_url(html: str) -> str:
    """The next poll's address, as the desk's poller carries it (its marks included)."""
    return re.search(r'id="feed-poll"[^>]*hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


async def feed_cursor(client, user: str = "lead") -> tuple[int, str]:
    desk = (await get(client, "/desk?campaign=sanitation", user)).text
    after = int(re.search(r'data-after="(\d+)"', desk).group(1))
    return after, poll_url(desk)


async def test_an_undisclosed_unannounced_check_is_nowhere_for_the_unit_and_officers(client):
    before = {
        user: (await get(client, f"/api/v1/indicators?{query}", user)).json()["indicators"]["total"]
        for user, query in (("handler", "unit=sanitation-office"), ("lead", "campaign=sanitation"))
    }
    after, poll = await feed_cursor(client)
    receipt = await record_check(client, "supervisor", kind="unannounced", photos=[plain_jpeg()])
    check, photo = receipt["uuid"], receipt["photo_uuids"][0]
    (finding,) = [f["id"] for f in receipt["findings"]]

    shown = {
        f"/api/v1/checks/{check}",
        f"/api/v1/findings/{finding}",
        f"/api/v1/photos/{photo}",
        f"/api/v1/photos/{photo}?size=thumb",
        f"/api/v1/findings/{finding}/notice.pdf",
        f"/checks/{check}",
        f"/findings/{finding}",
        f"/findings/{finding}/notice",
    }
    for user in ("handler", "officer", "lead", "handler-muck", "lead-muck"):
        for url in shown:
            assert (await get(client, url, user)).status_code == 404, (user, url)
        assert (await get(client, f"/unit/findings/{finding}", user)).status_code in (403, 404)
        for url in ("/api/v1/checks", "/api/v1/findings", "/api/v1/findings?campaign=sanitation"):
            body = (await get(client, url, user)).text
            assert check not in body and f'"id":{finding},' not in body.replace(" ", ""), (user, url)
    for user in ("handler", "officer"):
        for url in ("/desk", "/desk/feed?campaign=sanitation", "/desk/map.json?campaign=sanitation"):
            assert (await get(client, url, user)).status_code in (403, 404), (user, url)
    unit = await get(client, "/api/v1/unit/findings", "handler")
    assert finding not in [f["id"] for f in unit.json()["waiting"] + unit.json()["done"]]
    assert f"/unit/findings/{finding}" not in (await get(client, "/unit", "handler")).text
    # Counts, the feed, the map and the notifications of the lead's desk leave it out too.
    assert (await get(client, "/api/v1/indicators?unit=sanitation-office", "handler")).json()["indicators"][
        "total"
    ] == before["handler"]
    assert (await get(client, "/api/v1/indicators?campaign=sanitation", "lead")).json()["indicators"][
        "total"
    ] == before["lead"]
    feed = await get(client, poll, "lead")
    assert feed.status_code == 204
    points = (await get(client, "/desk/map.json?campaign=sanitation", "lead")).json()
    assert f'"id": {finding},' not in str(points).replace("'", '"')
    assert f"/findings/{finding}" not in (await get(client, "/desk?campaign=sanitation", "lead")).text

    # Disclosed: the lead is told, and the feed brings the finding though its id is old.
    newer = await new_finding(client)
    after, poll = await feed_cursor(client)
    assert after >= newer > finding
    office = await auth(client, "office")
    assert (await client.post(f"/api/v1/checks/{check}/disclose", headers=office)).status_code == 200
    feed = await get(client, poll, "lead")
    assert feed.status_code == 200 and f"/findings/{finding}" in feed.text
    quiet = await get(client, poll_url(feed.text), "lead")
    assert quiet.status_code == 204
    desk = await get(client, "/desk?campaign=sanitation", "lead")
    assert "暗访检查已公开" in desk.text or "Unannounced check disclosed" in desk.text
    assert f"/findings/{finding}" in desk.text

    # Assigned to the unit: the unit sees the check, its finding and photos, never the person.
    await assign(client, finding, "lead")
    for url in shown:
        response = await get(client, url, "handler")
        assert response.status_code == 200, url
        if not url.startswith("/api/v1/photos") and not url.endswith(".pdf"):
            assert not any(name in response.text for name in SUPERVISOR_NAMES), url
    unit_page = await get(client, f"/unit/findings/{finding}", "handler")
    assert unit_page.status_code == 200 and not any(n in unit_page.text for n in SUPERVISOR_NAMES)
    author = (await get(client, f"/api/v1/checks/{check}", "handler")).json()["author"]
    assert author == {"username": None, "display_name": ORGANISATION}
    assert ORGANISATION in (await get(client, f"/checks/{check}", "handler")).text
    notice = (await get(client, f"/findings/{finding}/notice", "handler")).text
    assert "暗访发现" in notice and "我局巡查人员" not in notice
    # The office and the lead see who it was.
    for user in ("office", "lead"):
        assert (await get(client, f"/api/v1/checks/{check}", user)).json()["author"][
            "username"
        ] == "supervisor"
        assert SUPERVISOR_NAMES[0] in (await get(client, f"/checks/{check}", user)).text
    # An officer still sees nothing of it.
    for url in shown:
        assert (await get(client, url, "officer")).status_code == 404, url


async def test_a_visible_finding_is_not_merged_into_an_undisclosed_covert_one(client):
    check, covert = await covert_finding(client)
    visible = await new_finding(client)
    refused = await merge(client, visible, covert, "office", expect=409)
    assert refused.json()["finding_status"] == "new"
    lead_view = (await get(client, f"/api/v1/findings/{visible}", "lead")).json()
    assert lead_view["status"] == "new" and lead_view.get("duplicate_of") is None
    # Nor a covert finding of another check, which may be disclosed first.
    other_check, other_covert = await covert_finding(client)
    assert (await merge(client, other_covert, covert, "office", expect=409)).json()["finding_status"] == "new"
    # The other way round is fine: the covert one is the duplicate.
    await merge(client, other_covert, visible, "office")
    seen = (await get(client, f"/api/v1/findings/{visible}", "lead")).json()
    assert seen["merged"] == [] and all(h["related_finding"] != other_covert for h in seen["history"])
    # Once disclosed, the merge goes through.
    assert (
        await client.post(f"/api/v1/checks/{check}/disclose", headers=await auth(client, "office"))
    ).status_code == 200
    merged = (await merge(client, visible, covert, "office")).json()
    assert merged["status"] == "merged"


async def test_the_notice_names_the_source_of_the_problem(client):
    patrol = await new_finding(client)
    await assign(client, patrol, "lead")
    notice = (await get(client, f"/findings/{patrol}/notice", "lead")).text
    assert "我局巡查人员于" in notice and "巡查发现" in notice

    reported = await new_finding(client)
    uuid = await record_complaint(client, source="hotline_12319")
    await complaint_step(client, uuid, "link", finding=reported)
    await assign_complaint(client, uuid)
    await assign(client, reported, "lead")
    notice = (await get(client, f"/findings/{reported}/notice", "lead")).text
    assert "经群众举报（12319热线）" in notice and "我局巡查人员" not in notice
    pdf = await get(client, f"/api/v1/findings/{reported}/notice.pdf", "lead")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_the_check_form_names_the_unit_checked_suggested_from_the_site(client):
    from conftest import login
    from server.demo import data as demo
    from tests.test_pages import form_fields, open_form

    site = next(s for s in demo.SITES if s.unit)
    await login(client, "supervisor")
    page = await open_form(client)
    html = (await client.get("/field/sanitation/new")).text
    assert f'value="{site.code}" data-unit="{site.unit}"' in html
    assert 'name="target_unit"' in html
    fields = form_fields(page, **{"san-01": "fail"}) | {
        "site": site.code,
        "target_unit": site.unit,
        "kind": "unannounced",
    }
    posted = await client.post("/field/sanitation/new", data=fields, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    uuid = posted.headers["location"].split("/")[2].split("?")[0]
    check = (await client.get(f"/api/v1/checks/{uuid}")).json()  # the supervisor's session
    assert check["target_unit"]["code"] == site.unit and check["kind"] == "unannounced"
