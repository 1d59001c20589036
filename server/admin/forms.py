"""What the office's pages show and ask for, per kind of record: columns and form fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..demo.data import CATEGORIES, SITE_KINDS
from ..i18n import gettext as _
from ..labels import label
from ..models import Campaign, Role, Severity, Site, Unit, UnitKind, User
from .presenters import campaign_record, site_json, unit_json, user_json


@dataclass
class Field:
    name: str
    title: str
    kind: str = "text"  # text, select, number, date, textarea
    options: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False


def _status() -> Field:
    return Field("active", _("Status"), "select", [("true", _("Active")), ("false", _("Retired"))])


def _identity(code_title: str, name_key: str, name_title: str) -> list[Field]:
    """The code, name and English name every kind of record opens with."""
    return [
        Field("code", code_title, required=True),
        Field(name_key, name_title, required=True),
        Field("name_en", _("Name (English)")),
    ]


def _select(name: str, title: str, options: list[tuple[str, str]], required: bool = True) -> Field:
    return Field(name, title, "select", options, required)


def _active_units(units: list[Unit], lang: str) -> list[tuple[str, str]]:
    return [(u.code, u.name(lang)) for u in units if u.active]


def _active_leads(users: list[User], lang: str) -> list[tuple[str, str]]:
    return [(u.username, u.name(lang)) for u in users if u.role == Role.lead and u.active]


def _bilingual(table: dict[str, tuple[str, str]], lang: str) -> list[tuple[str, str]]:
    return [(k, v[0] if lang != "en" else v[1]) for k, v in table.items()]


def form_values(record: dict[str, Any]) -> dict[str, Any]:
    """A record's JSON shape as a form shows it: no value is empty text, a flag is "true"/"false"."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if value is None:
            value = ""
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = value
    return out


def unit_fields(units: list[Unit], users: list[User], lang: str) -> list[Field]:
    return [
        *_identity(_("Code"), "name_zh", _("Name (Chinese)")),
        _select("kind", _("Kind"), [(k.value, label("unit_kind", k.value)) for k in UnitKind]),
        _select("parent", _("Parent unit"), [("", "—")] + [(u.code, u.name(lang)) for u in units], False),
        _select("leader_in_charge", _("Leader in charge"), [("", "—")] + _active_leads(users, lang), False),
        _status(),
    ]


def unit_row(unit: Unit, by_id: dict[int, Unit], users: dict[int, User], lang: str) -> dict[str, Any]:
    return form_values(unit_json(unit, by_id, users, lang))


def user_fields(units: list[Unit], lang: str) -> list[Field]:
    return [
        *_identity(_("Username"), "name", _("Name")),
        _select("role", _("Role"), [(r.value, label("role", r.value)) for r in Role]),
        _select("unit", _("Unit"), _active_units(units, lang)),
        _status(),
    ]


def user_row(user: User) -> dict[str, Any]:
    record = user_json(user, "")
    return form_values({"code": record.pop("username"), **record})


def campaign_fields(units: list[Unit], users: list[User], lang: str) -> list[Field]:
    return [
        *_identity(_("Code"), "name_zh", _("Name (Chinese)")),
        _select("category", _("Category"), _bilingual(CATEGORIES, lang)),
        _select("lead", _("Lead"), _active_leads(users, lang)),
        _select("responsible_unit", _("Responsible unit"), _active_units(units, lang)),
        Field("measures_zh", _("Measures"), "textarea"),
        Field("starts_on", _("Starts on"), "date"),
        Field("ends_on", _("Ends on"), "date"),
        _status(),
    ]


def campaign_row(campaign: Campaign) -> dict[str, Any]:
    return form_values(campaign_record(campaign))


def site_fields(units: list[Unit], lang: str) -> list[Field]:
    return [
        *_identity(_("Code"), "name", _("Name")),
        _select("kind", _("Kind"), _bilingual(SITE_KINDS, lang)),
        Field("lat", _("Latitude"), "number", required=True),
        Field("lon", _("Longitude"), "number", required=True),
        _select("unit", _("Responsible unit"), _active_units(units, lang)),
        _status(),
    ]


def site_row(site: Site) -> dict[str, Any]:
    return form_values(site_json(site, ""))


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
