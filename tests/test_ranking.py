"""The ranking page, a unit's report and the drill-down (docs/scores.md), on the three-unit scenario
of test_scores.py: the figures and ranks computed by hand, exactly the records behind each
figure (never the covert check), the monthly trend, the three assessments, and who may see what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import login, token_for
from server.settings import Settings
from tests.helpers_findings import auth
from tests.html_tree import parse
from tests.test_scores import EXPECTED, A, B, C, scenario, this_year

pytestmark = pytest.mark.anyio


def this_month() -> int:
    return (datetime.now(UTC) - timedelta(hours=3)).astimezone(ZoneInfo("Asia/Shanghai")).month


async def organise(client: Any) -> None:
    """B and C placed under A (A oversees their sector); lead-dust follows A and C, lead follows
    B and parks-office (which has no score)."""
    office = await auth(client, "office")
    names = {u["code"]: u for u in (await client.get("/api/v1/admin/units", headers=office)).json()}
    for code in (B, C):
        body = {"name_zh": names[code]["name_zh"], "name_en": names[code]["name_en"], "kind": "office"}
        response = await client.put(f"/api/v1/admin/units/{code}", json=body | {"parent": A}, headers=office)
        assert response.status_code == 200, response.text
    for leader, units in (("lead-dust", [A, C]), ("lead", [B, "parks-office"])):
        response = await client.put(
            f"/api/v1/admin/contact-points/{leader}", json={"units": units}, headers=office
        )
        assert response.status_code in (200, 201), response.text


@pytest.fixture
async def scored(client: Any, settings: Settings) -> Any:
    await scenario(client, settings)
    await organise(client)
    return client


async def page_as(client: Any, username: str, url: str, language: str = "en") -> Any:
    client.cookies.clear()
    await login(client, username)
    return await client.get(url, headers={"Accept-Language": language})


async def bearer(client: Any, username: str) -> dict[str, str]:
    """A program's token: without the browser session a page test may have left behind."""
    client.cookies.clear()
    return await token_for(client, username)


def figures(row: Any) -> dict[str, str]:
    return {cell.attrs["data-part"]: cell.text for cell in row.find_all("td") if "data-part" in cell.attrs}


async def test_the_ranking_page_shows_the_figures_computed_by_hand(scored):
    year = this_year()
    response = await page_as(scored, "office", f"/scores?period={year}")
    assert response.status_code == 200, response.text
    tree = parse(response.text)
    table = tree.one("table", data_ranking="")
    rows = [r for r in table.find_all("tr") if "data-unit" in r.attrs]
    assert [r.attrs["data-unit"] for r in rows[:3]] == [B, A, C]
    assert [r.attrs["data-rank"] for r in rows[:3]] == ["1", "2", "3"]
    by_unit = {r.attrs["data-unit"]: r for r in rows}
    assert figures(by_unit[A]) == {
        "third_party": "70.00",
        "service_recipient": "80.00",
        "democratic": "80.00",
        "routine": "50.00",
    }
    assert by_unit[A].one("td", data_composite="").text == "74.00"
    assert by_unit[A].one("td", data_rating="").text == "Qualified"
    assert by_unit[B].one("td", data_composite="").text == "97.20"
    assert by_unit[C].one("td", data_composite="").text == "40.00"
    assert figures(by_unit[C])["third_party"] == "no data"
    # Every figure links to its drill-down.
    links = {a.attrs["href"] for a in by_unit[A].find_all("a")}
    assert f"/scores/{year}/{A}/third_party" in links and f"/scores/{year}/{A}" in links
    # The three assessments beside: A oversees B and C, (97.2 + 40) / 2; lead-dust follows A and C.
    assert "68.60" in by_unit[B].one("td", data_sector="").text
    assert "57.00" in by_unit[A].one("td", data_contact="").text
    # The period picker offers the year, its quarters and months.
    options = [o.attrs["value"] for o in tree.find_all("option")]
    assert year in options and f"{year}-Q4" in options and f"{year}-12" in options
    # The page is linked from the office's navigation.
    assert tree.find_all("a", href="/scores")


async def test_the_ranking_page_renders_in_chinese(scored):
    response = await page_as(scored, "office", f"/scores?period={this_year()}", "zh-CN")
    assert response.status_code == 200
    text = parse(response.text).text
    for words in ("第三方监督", "服务对象测评", "集中民主评议", "平时工作评价", "综合", "合格", "优秀"):
        assert words in text, words
    assert "Composite" not in text


async def test_the_trend_by_month(scored):
    response = await page_as(scored, "office", f"/scores?period={this_year()}")
    tree = parse(response.text)
    month = this_month()
    row = tree.one("tr", data_trend_unit=A)
    cells = {int(td.attrs["data-month"]): td.text for td in row.find_all("td") if "data-month" in td.attrs}
    # The month holds A's records but not the year's votes: (30*70 + 25*80 + 10*50) / 65.
    assert cells[month] == "70.77"
    assert all(text == "no data" for number, text in cells.items() if number != month)
    b_row = tree.one("tr", data_trend_unit=B)
    assert b_row.one("td", data_month=str(month)).text == "100.00"
    # The month scored on its own, through the API, is the same as in the year's trend.
    alone = await scored.get(
        f"/api/v1/scores?period={this_year()}-{month:02d}", headers=await bearer(scored, "office")
    )
    assert {row["unit"]: row["composite"]["value"] for row in alone.json()}[A] == 70.77
    # C has only the year's votes: no month has data.
    assert {
        td.text for td in tree.one("tr", data_trend_unit=C).find_all("td") if "data-month" in td.attrs
    } == {"no data"}
    # The chart is drawn on the server: an SVG with a bar per month, the month's bar 70.77 % high.
    chart = row.one("svg", data_chart=A)
    bars = chart.find_all("rect")
    assert len(bars) == 12
    drawn = next(b for b in bars if b.attrs["data-month"] == str(month))
    assert float(drawn.attrs["height"]) == pytest.approx(32 * 0.7077, abs=0.1)
    assert "<script" not in response.text.split("<main", 1)[1].split("</main>", 1)[0]


async def test_the_drill_down_lists_exactly_the_records_behind_each_figure(scored):
    year = this_year()
    response = await scored.get(f"/api/v1/scores/{year}/{A}", headers=await bearer(scored, "office"))
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["score"]["composite"] == EXPECTED[A]["composite"]
    third = found["third_party"]
    # One check: the disclosed one; the covert undisclosed one is not there.
    assert len(third["checks"]) == 1
    (check,) = third["checks"]
    assert (check["passed"], check["failed"], check["not_applicable"]) == (3, 1, 0)
    assert third["passed"] == 3 and third["failed"] == 1 and third["late_findings"] == 1
    (late,) = check["late_findings"]
    assert late["url"] == f"/findings/{late['id']}"
    assert check["url"] == f"/checks/{check['uuid']}"
    service = found["service_recipient"]
    assert [(r["outcome"], r["points"]) for r in service["ratings"]] == [("basically_satisfied", 60)]
    assert [(v["outcome"], v["points"]) for v in service["call_backs"]] == [("satisfied", 100)]
    assert service["ratings"][0]["complaint"] == service["call_backs"][0]["complaint"]
    assert service["call_backs"][0]["url"] == f"/complaints/{service['call_backs'][0]['complaint']}"
    democratic = found["democratic"]
    assert (democratic["satisfied"], democratic["basically_satisfied"], democratic["unsatisfied"]) == (
        30,
        10,
        5,
    )
    assert democratic["entered_by"] == "office" and democratic["entered_at"]
    routine = found["routine"]
    assert routine["on_time"] == {"numerator": 0, "denominator": 1, "percent": 0.0}
    assert routine["rework"] == {"numerator": 0, "denominator": 0, "percent": None}
    assert routine["completion"] == {"numerator": 1, "denominator": 1, "percent": 100.0}
    assert [f["id"] for f in routine["findings"]] == [late["id"]]
    assert routine["findings_total"] == 1 and routine["complaints_total"] == 1

    # The page of the part lists the same, and links the finding.
    page = parse((await page_as(scored, "office", f"/scores/{year}/{A}/third_party")).text)
    assert [r.attrs["data-check"] for r in page.find_all("tr") if "data-check" in r.attrs] == [check["uuid"]]
    assert page.find_all("a", href=f"/findings/{late['id']}")
    votes = parse((await page_as(scored, "office", f"/scores/{year}/{A}/democratic")).text)
    assert votes.one("dd", data_votes="satisfied").text == "30"
    assert votes.one("dd", data_entered_by="office").text == "Ma Lihua"


async def test_the_covert_check_shows_in_no_drill_down(scored):
    """The undisclosed check failing everything is in no list of any reader, office included."""
    year = this_year()
    office = await bearer(scored, "office")
    everything = (await scored.get(f"/api/v1/scores/{year}/{A}", headers=office)).text
    listed = (await scored.get("/api/v1/checks", headers=office)).json()
    covert = [
        c
        for c in (listed.get("items", listed) if isinstance(listed, dict) else listed)
        if c["covert"] and not c["disclosed_at"]
    ]
    assert covert, "the scenario has a covert check"
    for c in covert:
        assert c["uuid"] not in everything


async def test_three_assessments_against_hand_computed_means(scored):
    response = await scored.get(
        f"/api/v1/responsibility?period={this_year()}", headers=await bearer(scored, "office")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    units = {u["unit"]: u for u in body["units"]}
    assert units[A]["own"] == {"value": 74.0, "rating": "qualified", "rank": 2}
    # B and C are under A: A's sector result is the mean of their composites.
    assert units[B]["sector"] == {"unit": A, "value": 68.6, "units": [C, B], "of": 2}
    # A is under the bureau, with the other units that have no score: its mean is A's alone.
    assert units[A]["sector"]["unit"] == "bureau"
    assert units[A]["sector"]["value"] == 74.0 and units[A]["sector"]["units"] == [A]
    # lead-dust follows A and C: (74 + 40) / 2; lead follows B and parks-office (no score): 97.2.
    assert units[A]["contact"] == [{"leader": "lead-dust", "value": 57.0, "units": [C, A], "of": 2}]
    assert units[B]["contact"] == [{"leader": "lead", "value": 97.2, "units": [B], "of": 2}]
    leaders = {row["leader"]: row["value"] for row in body["leaders"]}
    assert leaders == {"lead-dust": 57.0, "lead": 97.2}
    departments = {row["unit"]: row["value"] for row in body["departments"]}
    assert departments[A] == 68.6

    # The handler of A reads A and the units below it; the handler of B only B.
    mine = (
        await scored.get(
            f"/api/v1/responsibility?period={this_year()}", headers=await bearer(scored, "handler")
        )
    ).json()
    assert {u["unit"] for u in mine["units"]} == {A, B, C}
    theirs = (
        await scored.get(
            f"/api/v1/responsibility?period={this_year()}", headers=await bearer(scored, "handler-muck")
        )
    ).json()
    assert [u["unit"] for u in theirs["units"]] == [B]
    # lead-dust: the units of the dust campaign, and A and C, which they follow; not B.
    followed = (
        await scored.get(
            f"/api/v1/responsibility?period={this_year()}", headers=await bearer(scored, "lead-dust")
        )
    ).json()
    assert {A, C} <= {u["unit"] for u in followed["units"]} and B not in {
        u["unit"] for u in followed["units"]
    }
    assert [row["leader"] for row in followed["leaders"]] == ["lead-dust"]
    assert (
        await scored.get(
            f"/api/v1/responsibility?period={this_year()}", headers=await bearer(scored, "officer")
        )
    ).status_code == 403


async def test_the_report_goes_to_the_unit_and_the_unit_above(scored):
    year = this_year()
    # B's own handler, and A's (the unit above B), read B's report.
    for username in ("handler-muck", "handler"):
        response = await page_as(scored, username, f"/scores/{year}/{B}")
        assert response.status_code == 200, (username, response.text)
        tree = parse(response.text)
        assert "68.60" in tree.one("dd", data_sector="").text
        assert "97.20" in tree.one("dd", data_own="").text
    # The unit above reads the report but not the drill-down of the unit below it.
    assert f'href="/scores/{year}/{B}/democratic"' not in response.text
    assert (await page_as(scored, "handler", f"/scores/{year}/{B}/democratic")).status_code == 404
    # A's handler sees where B and C's reports are from the ranking page.
    ranking = parse((await page_as(scored, "handler", f"/scores?period={year}")).text)
    assert [r.attrs["data-unit"] for r in ranking.find_all("tr") if "data-unit" in r.attrs] == [A]
    assert {a.attrs["data-below"] for a in ranking.find_all("a") if "data-below" in a.attrs} == {B, C}
    assert ranking.find_all("a", href="/scores")
    # The report renders in Chinese too.
    chinese = await page_as(scored, "handler", f"/scores/{year}/{B}", "zh-CN")
    assert "三考核" in parse(chinese.text).text or "行业监管" in parse(chinese.text).text


@pytest.mark.parametrize(
    ("username", "url"),
    [
        # B's handler: not A's (B is below A, not above), not C's (a sibling).
        ("handler-muck", "/scores/{year}/" + A),
        ("handler-muck", "/scores/{year}/" + A + "/third_party"),
        ("handler-muck", "/scores/{year}/" + C),
        ("handler-dust", "/scores/{year}/" + B + "/routine"),
        # A lead of muck: not A, which is none of their campaigns' units nor followed by them.
        ("lead-muck", "/scores/{year}/" + A + "/third_party"),
        ("lead-muck", "/scores/{year}/" + A),
    ],
)
async def test_another_units_drill_down_and_report_are_not_found(scored, username, url):
    year = this_year()
    response = await page_as(scored, username, url.format(year=year))
    assert response.status_code == 404
    path = url.format(year=year).split("/")
    if len(path) == 4:
        api = await scored.get(f"/api/v1/scores/{year}/{path[3]}", headers=await bearer(scored, username))
        assert api.status_code == 404


async def test_leads_see_the_units_of_their_campaigns_and_those_they_follow(scored):
    year = this_year()
    assert (await page_as(scored, "lead-muck", f"/scores/{year}/{B}/third_party")).status_code == 200
    ranking = parse((await page_as(scored, "lead-muck", f"/scores?period={year}")).text)
    shown = {r.attrs["data-unit"] for r in ranking.find_all("tr") if "data-unit" in r.attrs}
    assert B in shown and A not in shown and C not in shown
    assert ranking.find_all("a", href="/scores")
    # lead-dust follows A as a contact point: A's report, though not its drill-down.
    assert (await page_as(scored, "lead-dust", f"/scores/{year}/{A}")).status_code == 200
    assert (await page_as(scored, "lead-dust", f"/scores/{year}/{A}/routine")).status_code == 404
    assert (await page_as(scored, "lead-dust", f"/scores/{year}/{C}/routine")).status_code == 200
    assert (await page_as(scored, "officer", f"/scores?period={year}")).status_code == 403


async def test_bad_periods_and_parts(scored):
    year = this_year()
    assert (await page_as(scored, "office", "/scores?period=2026-13")).status_code == 422
    assert (await page_as(scored, "office", f"/scores/{year}/{A}/everything")).status_code == 404
    assert (await page_as(scored, "office", f"/scores/{year}/no-such-unit")).status_code == 404
    office = await bearer(scored, "office")
    response = await scored.get("/api/v1/responsibility?period=soon", headers=office)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "period"
