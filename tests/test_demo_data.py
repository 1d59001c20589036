from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest
from geopy.distance import geodesic

from server.demo import data

CONTRACT_CAMPAIGNS = ("sanitation", "muck", "dust", "parks", "lighting", "landscape", "conduct")
CONTRACT_USERNAMES = {
    "officer": "officer",
    "lead": "lead",
    "supervisor": "supervisor",
    "handler": "handler",
    "office": "office",
}
SHIYAN_CENTRE = (32.63, 110.79)
CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_zh(text: str) -> None:
    assert text.strip(), "empty Chinese text"
    assert CJK.search(text), f"no Chinese characters in {text!r}"


def assert_en(text: str) -> None:
    assert text.strip(), "empty English text"
    assert text.isascii(), f"non-ASCII characters in English text {text!r}"
    assert not CJK.search(text)


def test_severities_and_vocabularies_have_both_languages():
    assert tuple(data.SEVERITIES) == ("minor", "major", "critical")
    assert [zh for zh, _ in data.SEVERITIES.values()] == ["一般", "较重", "严重"]
    for vocabulary in (data.SEVERITIES, data.CATEGORIES, data.ROLES, data.UNIT_KINDS, data.SITE_KINDS):
        for code, (zh, en) in vocabulary.items():
            assert code.isascii() and code == code.lower()
            assert_zh(zh)
            assert_en(en)
    assert set(data.ROLES) == {"officer", "lead", "supervisor", "handler", "office"}


def test_seven_campaigns_with_the_contract_codes_in_order():
    assert tuple(c.code for c in data.CAMPAIGNS) == CONTRACT_CAMPAIGNS


def test_campaign_names_match_the_design():
    names = {c.code: (c.name_zh, c.name_en) for c in data.CAMPAIGNS}
    assert names == {
        "sanitation": ("环境卫生", "street sanitation"),
        "muck": ("渣土管理", "construction waste and muck hauling"),
        "dust": ("建筑施工扬尘和围挡治理", "construction dust and site hoarding"),
        "parks": ("游园广场服务和管理", "parks and squares"),
        "lighting": ("路灯亮化", "street lighting"),
        "landscape": ("风景园林管理", "landscaping and greenery"),
        "conduct": ("城管文明执法", "civilized enforcement conduct"),
    }


@pytest.mark.parametrize("campaign", data.CAMPAIGNS, ids=lambda c: c.code)
def test_campaign_is_complete_and_bilingual(campaign):
    assert campaign.category in data.CATEGORIES
    assert campaign.responsible_unit in data.UNITS_BY_CODE
    assert_zh(campaign.name_zh)
    assert_en(campaign.name_en)
    assert_zh(campaign.measures_zh)
    assert_en(campaign.measures_en)
    assert "  " not in campaign.measures_en
    # The two languages must say the same measures, point for point.
    assert len(campaign.measures_zh.splitlines()) == len(campaign.measures_en.splitlines()) >= 3
    assert campaign.starts_on.isoformat() == "2026-01-01"
    assert campaign.ends_on.isoformat() == "2026-12-31"
    assert len(campaign.items) >= 5
    for item in campaign.items:
        assert_zh(item.text_zh)
        assert_en(item.text_en)
        assert item.severity in data.SEVERITIES
        assert re.fullmatch(r"[a-z]+-\d{2}", item.code), item.code


def test_item_codes_are_unique_across_all_campaigns():
    codes = Counter(item.code for c in data.CAMPAIGNS for item in c.items)
    assert [code for code, n in codes.items() if n > 1] == []


def test_item_texts_are_unique_within_a_campaign():
    for campaign in data.CAMPAIGNS:
        assert len({i.text_zh for i in campaign.items}) == len(campaign.items)
        assert len({i.text_en for i in campaign.items}) == len(campaign.items)


def test_every_campaign_has_exactly_one_existing_lead():
    for campaign in data.CAMPAIGNS:
        lead = data.USERS_BY_USERNAME.get(campaign.lead)
        assert lead is not None, f"{campaign.code}: lead {campaign.lead!r} is no user"
        assert lead.role == "lead"
    # Every lead account leads something, or the account is dead weight in the demo.
    for user in data.USERS:
        if user.role == "lead":
            assert data.campaigns_led_by(user.username), user.username


def test_contract_accounts_one_per_role():
    for role, username in CONTRACT_USERNAMES.items():
        user = data.USERS_BY_USERNAME[username]
        assert user.role == role
    assert "sanitation" in {c.code for c in data.campaigns_led_by("lead")}
    sanitation = data.CAMPAIGNS_BY_CODE["sanitation"]
    assert data.USERS_BY_USERNAME["handler"].unit == sanitation.responsible_unit
    assert data.UNITS_BY_CODE[data.USERS_BY_USERNAME["supervisor"].unit].kind == "third_party"
    assert data.UNITS_BY_CODE[data.USERS_BY_USERNAME["officer"].unit].kind == "district"


def test_every_responsible_unit_has_a_handler():
    handler_units = {u.unit for u in data.USERS if u.role == "handler"}
    for campaign in data.CAMPAIGNS:
        assert campaign.responsible_unit in handler_units, campaign.code


def test_second_officer_is_in_another_district():
    officer, officer2 = data.USERS_BY_USERNAME["officer"], data.USERS_BY_USERNAME["officer2"]
    assert officer2.role == "officer"
    assert officer2.unit != officer.unit
    assert data.UNITS_BY_CODE[officer2.unit].kind == "district"


def test_users_are_unique_bilingual_and_reference_existing_units():
    assert len(data.USERS_BY_USERNAME) == len(data.USERS)
    for user in data.USERS:
        assert user.role in data.ROLES
        assert user.unit in data.UNITS_BY_CODE, user.username
        assert re.fullmatch(r"[a-z][a-z0-9-]*", user.username)
        assert_zh(user.name_zh)
        assert_en(user.name_en)


def test_units_form_a_tree_under_the_bureau():
    assert len(data.UNITS_BY_CODE) == len(data.UNITS)
    roots = [u for u in data.UNITS if u.parent is None and u.kind != "third_party"]
    assert [u.name_zh for u in roots] == ["十堰市城市管理综合执法局"]
    for unit in data.UNITS:
        assert unit.kind in data.UNIT_KINDS
        assert re.fullmatch(r"[a-z][a-z0-9-]*", unit.code)
        assert_zh(unit.name_zh)
        assert_en(unit.name_en)
        if unit.kind == "third_party":
            assert unit.parent is None  # an outside organisation, not part of the bureau
            continue
        seen = set()
        node = unit
        while node.parent is not None:
            assert node.parent in data.UNITS_BY_CODE, f"{node.code}: parent {node.parent!r} missing"
            assert node.code not in seen, f"cycle through {node.code}"
            seen.add(node.code)
            node = data.UNITS_BY_CODE[node.parent]
        assert node.kind == "bureau"


def test_required_units_exist():
    kinds = Counter(u.kind for u in data.UNITS)
    names = {u.name_zh for u in data.UNITS}
    assert kinds["district"] >= 2
    assert kinds["third_party"] == 1
    assert {"市环境卫生管理处", "市路灯管理处", "市园林绿化管理处", "履职督查办"} <= names
    assert data.UNITS_BY_CODE[data.USERS_BY_USERNAME["office"].unit].name_zh == "履职督查办"


def test_sites_count_and_codes():
    assert 25 <= len(data.SITES) <= 35
    assert len(data.SITES_BY_CODE) == len(data.SITES)
    for site in data.SITES:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", site.code), site.code


@pytest.mark.parametrize("site", data.SITES, ids=lambda s: s.code)
def test_site_is_near_shiyan_centre_and_well_formed(site):
    assert geodesic(SHIYAN_CENTRE, (site.lat, site.lon)).km < 8
    assert 32.58 <= site.lat <= 32.68 and 110.72 <= site.lon <= 110.86
    assert site.kind in data.SITE_KINDS
    assert site.unit in data.UNITS_BY_CODE
    assert data.UNITS_BY_CODE[site.unit].kind != "third_party"
    assert_zh(site.name_zh)
    assert_en(site.name_en)


def test_sites_are_spread_over_kinds_and_units():
    kinds = Counter(s.kind for s in data.SITES)
    assert kinds["road"] >= 5
    assert kinds["square"] + kinds["park"] >= 3
    assert kinds["construction_site"] >= 4
    assert kinds["market"] >= 2
    units = {s.unit for s in data.SITES}
    assert {"lighting-office", "parks-office", "sanitation-office"} <= units
    assert len({s.unit for s in data.SITES if data.UNITS_BY_CODE[s.unit].kind == "district"}) >= 2


def test_sites_are_distinct_places():
    # Two sites on the same spot would make "nearest site" lookups ambiguous.
    for i, a in enumerate(data.SITES):
        for b in data.SITES[i + 1 :]:
            assert geodesic((a.lat, a.lon), (b.lat, b.lon)).m > 50, (a.code, b.code)


def test_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.CAMPAIGNS[0].lead = "someone"  # type: ignore[misc]
