"""What the office's pages show and ask for, per kind of record: columns and form fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..demo.data import CATEGORIES, SITE_KINDS
from ..i18n import gettext as _
from ..labels import label
from ..models import Campaign, Role, Severity, Site, Unit, UnitKind, User


@dataclass
class Field:
    name: str
    title: str
    kind: str = "text"  # text, select, number, date, textarea
    options: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False


def _yes_no() -> list[tuple[str, str]]:
    return [("true", _("Active")), ("false", _("Retired"))]


def unit_fields(units: list[Unit], users: list[User], lang: str) -> list[Field]:
    return [
        Field("code", _("Code"), required=True),
        Field("name_zh", _("Name (Chinese)"), required=True),
        Field("name_en", _("Name (English)")),
        Field("kind", _("Kind"), "select", [(k.value, label("unit_kind", k.value)) for k in UnitKind], True),
        Field("parent", _("Parent unit"), "select", [("", "—")] + [(u.code, u.name(lang)) for u in units]),
        Field(
            "leader_in_charge",
            _("Leader in charge"),
            "select",
            [("", "—")] + [(u.username, u.name(lang)) for u in users if u.role == Role.lead and u.active],
        ),
        Field("active", _("Status"), "select", _yes_no()),
    ]


def unit_row(unit: Unit, by_id: dict[int, Unit], users: dict[int, User], lang: str) -> dict[str, Any]:
    parent = by_id.get(unit.parent_id) if unit.parent_id else None
    leader = users.get(unit.leader_in_charge_id) if unit.leader_in_charge_id else None
    return {
        "code": unit.code,
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "kind": unit.kind,
        "parent": parent.code if parent else "",
        "leader_in_charge": leader.username if leader else "",
        "active": "true" if unit.active else "false",
    }


def user_fields(units: list[Unit], lang: str) -> list[Field]:
    return [
        Field("code", _("Username"), required=True),
        Field("name", _("Name"), required=True),
        Field("name_en", _("Name (English)")),
        Field("role", _("Role"), "select", [(r.value, label("role", r.value)) for r in Role], True),
        Field("unit", _("Unit"), "select", [(u.code, u.name(lang)) for u in units if u.active], True),
        Field("active", _("Status"), "select", _yes_no()),
    ]


def user_row(user: User) -> dict[str, Any]:
    return {
        "code": user.username,
        "name": user.display_name,
        "name_en": user.display_name_en,
        "role": user.role,
        "unit": user.unit.code,
        "active": "true" if user.active else "false",
    }


def campaign_fields(units: list[Unit], users: list[User], lang: str) -> list[Field]:
    return [
        Field("code", _("Code"), required=True),
        Field("name_zh", _("Name (Chinese)"), required=True),
        Field("name_en", _("Name (English)")),
        Field(
            "category",
            _("Category"),
            "select",
            [(k, v[0] if lang != "en" else v[1]) for k, v in CATEGORIES.items()],
            True,
        ),
        Field(
            "lead",
            _("Lead"),
            "select",
            [(u.username, u.name(lang)) for u in users if u.role == Role.lead and u.active],
            True,
        ),
        Field(
            "responsible_unit",
            _("Responsible unit"),
            "select",
            [(u.code, u.name(lang)) for u in units if u.active],
            True,
        ),
        Field("measures_zh", _("Measures"), "textarea"),
        Field("starts_on", _("Starts on"), "date"),
        Field("ends_on", _("Ends on"), "date"),
        Field("active", _("Status"), "select", _yes_no()),
    ]


def campaign_row(campaign: Campaign) -> dict[str, Any]:
    return {
        "code": campaign.code,
        "name_zh": campaign.name_zh,
        "name_en": campaign.name_en,
        "category": campaign.category,
        "lead": campaign.lead.username,
        "responsible_unit": campaign.responsible_unit.code,
        "measures_zh": campaign.measures_zh,
        "starts_on": campaign.starts_on.isoformat() if campaign.starts_on else "",
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else "",
        "active": "true" if campaign.active else "false",
    }


def site_fields(units: list[Unit], lang: str) -> list[Field]:
    return [
        Field("code", _("Code"), required=True),
        Field("name", _("Name"), required=True),
        Field("name_en", _("Name (English)")),
        Field(
            "kind",
            _("Kind"),
            "select",
            [(k, v[0] if lang != "en" else v[1]) for k, v in SITE_KINDS.items()],
            True,
        ),
        Field("lat", _("Latitude"), "number", required=True),
        Field("lon", _("Longitude"), "number", required=True),
        Field(
            "unit", _("Responsible unit"), "select", [(u.code, u.name(lang)) for u in units if u.active], True
        ),
        Field("active", _("Status"), "select", _yes_no()),
    ]


def site_row(site: Site) -> dict[str, Any]:
    return {
        "code": site.code,
        "name": site.name_zh,
        "name_en": site.name_en,
        "kind": site.kind,
        "lat": site.lat,
        "lon": site.lon,
        "unit": site.unit.code if site.unit else "",
        "active": "true" if site.active else "false",
    }


SEVERITIES = [s.value for s in Severity]


def checklist_text(items: list[Any]) -> str:
    return "\n".join(f"{i.code} | {i.text_zh} | {i.text_en} | {i.severity}" for i in items)


def checklist_items(text: str) -> list[dict[str, str]]:
    """One item a line: code | Chinese text | English text | severity."""
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (4 - len(parts))
        items.append({"code": parts[0], "text_zh": parts[1], "text_en": parts[2], "severity": parts[3]})
    return items
