"""The JSON shapes of administration records."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from ..models import Campaign, Site, Unit, User


def _fields(record: Any, *names: str) -> dict[str, Any]:
    """The record's attributes by name; "key=path" puts the attribute at `path` under `key`."""
    pairs = (name.partition("=")[::2] for name in names)
    return {key: attrgetter(path or key)(record) for key, path in pairs}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def unit_json(unit: Unit, by_id: dict[int, Unit], users: dict[int, User], lang: str) -> dict[str, Any]:
    parent = by_id.get(unit.parent_id) if unit.parent_id else None
    leader = users.get(unit.leader_in_charge_id) if unit.leader_in_charge_id else None
    return _fields(unit, "code", "name_zh", "name_en", "kind") | {
        "parent": parent.code if parent else None,
        "leader_in_charge": leader.username if leader else None,
        "active": unit.active,
    }


def user_json(user: User, lang: str) -> dict[str, Any]:
    return _fields(
        user, "username", "name=display_name", "name_en=display_name_en", "role", "unit=unit.code", "active"
    ) | {"must_change_password": user.must_change_password, "last_login_at": _iso(user.last_login_at)}


def campaign_record(campaign: Campaign) -> dict[str, Any]:
    """A campaign's own fields, without its checklist."""
    return _fields(
        campaign,
        "code",
        "name_zh",
        "name_en",
        "category",
        "lead=lead.username",
        "responsible_unit=responsible_unit.code",
        "measures_zh",
        "measures_en",
    ) | {"starts_on": _iso(campaign.starts_on), "ends_on": _iso(campaign.ends_on), "active": campaign.active}


def campaign_json(campaign: Campaign, version: int, lang: str) -> dict[str, Any]:
    return campaign_record(campaign) | {
        "checklist_version": version,
        "items": [
            {"code": i.code, "text_zh": i.text_zh, "text_en": i.text_en, "severity": i.severity}
            for i in campaign.items
            if i.active
        ],
    }


def site_json(site: Site, lang: str) -> dict[str, Any]:
    return _fields(site, "code", "name=name_zh", "name_en", "kind", "lat", "lon") | {
        "unit": site.unit.code if site.unit else None,
        "active": site.active,
    }
