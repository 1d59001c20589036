"""The rules for campaigns, their versioned checklists and the site register."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..checks.schemas import Errors
from ..demo.data import CATEGORIES, SITE_KINDS
from ..errors import Invalid, NotFound
from ..i18n import gettext as _
from ..models import Campaign, ChecklistItem, ChecklistVersion, ChecklistVersionItem, Role, Severity, Site
from .fields import Body, code_problem, coded_body
from .registry import Registry, save

CAMPAIGN_FIELDS = {
    "name_zh",
    "name_en",
    "category",
    "lead",
    "responsible_unit",
    "measures_zh",
    "measures_en",
    "starts_on",
    "ends_on",
    "active",
}
SITE_FIELDS = {"name", "name_en", "kind", "lat", "lon", "unit", "active"}
ITEM_FIELDS = {"code", "text_zh", "text_en", "severity"}
MAX_ITEMS = 200


async def put_campaign(reg: Registry, code: str, data: Any) -> str:
    body, name_zh, name_en = coded_body(data, CAMPAIGN_FIELDS, code, "name_zh")
    errors = body.errors
    category = body.choice("category", list(CATEGORIES))
    lead_name = body.ref("lead", required=True)
    unit_code = body.ref("responsible_unit", required=True)
    measures_zh = body.text("measures_zh", 4000)
    measures_en = body.text("measures_en", 6000)
    starts_on, ends_on = body.day("starts_on"), body.day("ends_on")
    active = body.flag("active")
    lead = (await reg.users()).get(lead_name) if lead_name else None
    if lead_name and (lead is None or not lead.active or lead.role != Role.lead):
        errors.add("lead", _("%(name)s is not an active campaign lead's account.", name=lead_name))
    unit = await reg.active_unit(unit_code, errors, "responsible_unit")
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", _("The campaign cannot end before it starts."))
    errors.raise_if_any(_("The campaign has mistakes; nothing was saved."))
    assert lead is not None and unit is not None
    values = {
        "name_zh": name_zh,
        "name_en": name_en,
        "category": category,
        "lead_id": lead.id,
        "responsible_unit_id": unit.id,
        "measures_zh": measures_zh,
        "measures_en": measures_en,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "active": active,
    }
    campaigns = await reg.campaigns()
    if code in campaigns:
        return await save(reg, "campaign", Campaign, campaigns, code, values)
    position = (await reg.session.scalar(select(func.max(Campaign.position)))) or 0
    return await save(reg, "campaign", Campaign, campaigns, code, values, position=position + 1)


def parse_items(data: Any, errors: Errors, path: str = "items") -> list[dict[str, str]]:
    if not isinstance(data, list) or not data:
        errors.add(path, _("Give at least one checklist item."))
        return []
    if len(data) > MAX_ITEMS:
        errors.add(path, _("At most %(n)s items in a checklist.", n=MAX_ITEMS))
        return []
    items: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data):
        where = f"{path}[{i}]"
        item_errors = Errors()
        body = Body(raw, ITEM_FIELDS, item_errors)
        code = body.text("code", 40, required=True)
        if code and code_problem(code):
            item_errors.add("code", code_problem(code) or "")
        elif code in seen:
            item_errors.add("code", _("Item code %(code)s is in the list twice.", code=code))
        text_zh = body.text("text_zh", 300, required=True)
        text_en = body.text("text_en", 400) or text_zh
        severity = body.choice("severity", [s.value for s in Severity])
        if code and code not in seen:
            seen[code] = i
        for e in item_errors.items:
            errors.add(f"{where}.{e['field']}" if e["field"] else where, e["message"])
        if not item_errors.items:
            items.append({"code": code, "text_zh": text_zh, "text_en": text_en, "severity": severity or ""})
    return items


async def current_version(reg: Registry, campaign: Campaign) -> tuple[int, list[ChecklistItem]]:
    session = reg.session
    number = await session.scalar(
        select(func.max(ChecklistVersion.number)).where(ChecklistVersion.campaign_id == campaign.id)
    )
    if not number:
        return 0, []
    items = (
        await session.scalars(
            select(ChecklistItem)
            .join(ChecklistVersionItem, ChecklistVersionItem.item_id == ChecklistItem.id)
            .join(ChecklistVersion, ChecklistVersion.id == ChecklistVersionItem.version_id)
            .where(ChecklistVersion.campaign_id == campaign.id, ChecklistVersion.number == number)
            .order_by(ChecklistVersionItem.position)
        )
    ).all()
    return number, list(items)


def _same(item: ChecklistItem, spec: dict[str, str]) -> bool:
    return (item.text_zh, item.text_en, item.severity) == (spec["text_zh"], spec["text_en"], spec["severity"])


async def put_checklist(reg: Registry, campaign_code: str, data: Any) -> tuple[str, int]:
    """Save a campaign's checklist: a changed list is a new version, the same list changes nothing."""
    errors = Errors()
    if not isinstance(data, dict) or set(data) - {"items"}:
        errors.add("", _("The body is an object with one field, items."))
    specs = parse_items(data.get("items") if isinstance(data, dict) else None, errors)
    campaign = (await reg.campaigns()).get(campaign_code)
    if campaign is None:
        raise NotFound(_("There is no campaign %(code)s.", code=campaign_code))
    errors.raise_if_any(_("The checklist has mistakes; nothing was saved."))
    number, current = await current_version(reg, campaign)
    if [i.code for i in current] == [s["code"] for s in specs] and all(
        _same(i, s) for i, s in zip(current, specs, strict=True)
    ):
        return "unchanged", number
    session = reg.session
    every = (
        await session.scalars(select(ChecklistItem).where(ChecklistItem.campaign_id == campaign.id))
    ).all()
    latest: dict[str, ChecklistItem] = {}
    for item in every:
        if item.code not in latest or item.revision > latest[item.code].revision:
            latest[item.code] = item
    chosen: list[ChecklistItem] = []
    for position, spec in enumerate(specs):
        item = latest.get(spec["code"])
        if item is not None and _same(item, spec):
            if item.position != position or not item.active:
                item.position, item.active = position, True
                reg.audit.record("checklist_item.updated", "checklist_item", item)
        else:
            item = ChecklistItem(
                campaign_id=campaign.id,
                code=spec["code"],
                revision=(item.revision + 1) if item is not None else 1,
                text_zh=spec["text_zh"],
                text_en=spec["text_en"],
                severity=spec["severity"],
                position=position,
                active=True,
            )
            session.add(item)
            await session.flush()
            reg.audit.record("checklist_item.created", "checklist_item", item)
        chosen.append(item)
    keep = {i.id for i in chosen}
    for item in every:
        if item.active and item.id not in keep:
            item.active = False
            reg.audit.record("checklist_item.retired", "checklist_item", item)
    version = ChecklistVersion(campaign_id=campaign.id, number=number + 1, created_by_id=reg.actor_id)
    session.add(version)
    await session.flush()
    session.add_all(
        [ChecklistVersionItem(version_id=version.id, item_id=i.id, position=p) for p, i in enumerate(chosen)]
    )
    reg.audit.record(
        "checklist.version_saved",
        "checklist_version",
        version,
        items=[f"{i.code}@{i.revision}" for i in chosen],
    )
    reg.reference_changed = True
    return "created", number + 1


async def put_site(reg: Registry, code: str, data: Any) -> str:
    body, name, name_en = coded_body(data, SITE_FIELDS, code, "name")
    errors = body.errors
    kind = body.choice("kind", list(SITE_KINDS))
    lat = body.number("lat", -90, 90, _("Latitude must be a number from -90 to 90."))
    lon = body.number("lon", -180, 180, _("Longitude must be a number from -180 to 180."))
    unit_code = body.ref("unit", required=True)
    active = body.flag("active")
    unit = await reg.active_unit(unit_code, errors, "unit")
    errors.raise_if_any(_("The site has mistakes; nothing was saved."))
    assert unit is not None
    values = {
        "name_zh": name,
        "name_en": name_en,
        "kind": kind,
        "lat": lat,
        "lon": lon,
        "unit_id": unit.id,
        "active": active,
    }
    return await save(reg, "site", Site, await reg.sites(), code, values)


def invalid_if(errors: Errors, message: str) -> None:
    if errors.items:
        raise Invalid(message, errors=errors.items)
