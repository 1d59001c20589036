"""The JSON shapes of administration records."""

from __future__ import annotations

from typing import Any

from ..models import Campaign, Site, Unit, User


def unit_json(unit: Unit, by_id: dict[int, Unit], users: dict[int, User], lang: str) -> dict[str, Any]:
    parent = by_id.get(unit.parent_id) if unit.parent_id else None
    leader = users.get(unit.leader_in_charge_id) if unit.leader_in_charge_id else None
    return {
        "code": unit.code,
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "kind": unit.kind,
        "parent": parent.code if parent else None,
        "leader_in_charge": leader.username if leader else None,
        "active": unit.active,
    }


def user_json(user: User, lang: str) -> dict[str, Any]:
    return {
        "username": user.username,
        "name": user.display_name,
        "name_en": user.display_name_en,
        "role": user.role,
        "unit": user.unit.code,
        "active": user.active,
        "must_change_password": user.must_change_password,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def campaign_record(campaign: Campaign) -> dict[str, Any]:
    """A campaign's own fields, without its checklist."""
    return {
        "code": campaign.code,
        "name_zh": campaign.name_zh,
        "name_en": campaign.name_en,
        "category": campaign.category,
        "lead": campaign.lead.username,
        "responsible_unit": campaign.responsible_unit.code,
        "measures_zh": campaign.measures_zh,
        "measures_en": campaign.measures_en,
        "starts_on": campaign.starts_on.isoformat() if campaign.starts_on else None,
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else None,
        "active": campaign.active,
    }


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
    return {
        "code": site.code,
        "name": site.name_zh,
        "name_en": site.name_en,
        "kind": site.kind,
        "lat": site.lat,
        "lon": site.lon,
        "unit": site.unit.code if site.unit else None,
        "active": site.active,
    }
