"""Plain words on the finding's page: distances as people say them in the page's language, no
coordinate system names or codes, the audit trail as sentences, the steps named as the bureau
names them (巡查发现, 交办要求)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from conftest import login
from server.i18n import format_distance, set_locale
from tests.helpers_app import app_for
from tests.helpers_findings import assign, auth, finding_in, fixture_photo, new_finding, rectify
from tests.html_tree import parse

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
ITALY = "gps_DSCN0010.jpg"  # its EXIF position is in Italy, about 8,000 km from Shiyan


@pytest.fixture
async def client(settings):
    with app_for(replace(settings, deadline_sweep_seconds=0)) as app:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
            for user in ("officer", "lead", "handler", "office"):
                await auth(test_client, user)
            yield test_client


@pytest.mark.parametrize(
    ("locale", "metres", "said"),
    [
        ("zh_CN", 8_243_012.0, "约 8,243 公里"),
        ("en", 8_243_012.0, "about 8,243 km"),
        ("zh_CN", 1_480.0, "约 1.5 公里"),
        ("en", 35.4, "35 m"),
        ("zh_CN", 35.4, "35 米"),
    ],
)
def test_distances_are_said_as_people_say_them(locale, metres, said):
    set_locale(locale)
    try:
        assert format_distance(metres) == said
    finally:
        set_locale("zh_CN")


async def test_the_finding_page_speaks_plainly_in_chinese(client):
    finding = await finding_in(client, "assigned", photos=[fixture_photo(ITALY)])
    await rectify(client, finding, photos=[fixture_photo(ITALY)])
    await login(client, "lead")
    html = (await client.get(f"/findings/{finding}", headers=ZH)).text
    page = parse(html)
    text = page.text
    for jargon in ("UUID", "WGS-84", "km", ".0 公里"):
        assert jargon not in text, jargon
    facts = [dt.text for dt in page.find_all("dt")]
    assert "巡查发现" in facts
    assert page.one("li", data_action="found").one("strong").text == "巡查发现"
    far = page.one("section", id="verify").one("li", data_flag="far").text
    assert re.search(r"约 \d{1,3}(,\d{3})+ 公里", far), far


async def test_the_office_reads_the_audit_trail_as_sentences_in_chinese(client):
    finding = await new_finding(client)
    await assign(client, finding, reason="今日清运")
    await rectify(client, finding)
    await login(client, "office")
    page = parse((await client.get(f"/findings/{finding}", headers=ZH)).text)
    trail = page.one("ol", class_="audit-trail")
    lines = {li.attrs["data-action"]: li for li in trail.find_all("li")}
    assigned = lines["finding.assigned"]
    sentence = assigned.one("span", class_="sentence").text
    assert re.fullmatch(
        rf"王志强将问题#{finding}交办给市环境卫生管理处整改，限期至 \d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}。",
        sentence,
    ), sentence
    assert assigned.one("span", class_="note").text == "交办要求： 今日清运"
    assert assigned.find_all("time")  # when
    submitted = lines["finding.submitted"].one("span", class_="sentence").text
    assert submitted.endswith(f"提交了问题#{finding}的整改情况，待核查。")
    # No codes, hashes or English in front of the office.
    assert not re.search(r"[0-9a-f]{12}", trail.text)
    assert not re.search(r"\b(finding|photo|rectification)\.[a-z]+", trail.text)
    assert "hash" not in trail.text.lower()
