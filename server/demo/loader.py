"""`xuncha demo`: load the demo world. Idempotent: a second run changes nothing.

Rows are matched by their stable codes; a row that differs from the data is brought in
line, a missing one is added, and accounts that exist keep their passwords.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..accounts.passwords import Passwords
from ..db import Database
from ..models import Campaign, ChecklistItem, Site, Unit, User
from ..settings import Settings
from . import data


def _sync(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


async def load_demo(settings: Settings, database: Database | None = None) -> str:
    db = database or Database(settings)
    added = updated = 0
    passwords = Passwords(settings)
    try:
        async with db.write() as session:
            units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
            existing_units = set(units)
            for spec in data.UNITS:
                values = {"name_zh": spec.name_zh, "name_en": spec.name_en, "kind": spec.kind}
                unit = units.get(spec.code)
                if unit is None:
                    unit = units[spec.code] = Unit(code=spec.code, **values)
                    session.add(unit)
                    added += 1
                elif _sync(unit, values):
                    updated += 1
            await session.flush()
            for spec in data.UNITS:
                parent_id = units[spec.parent].id if spec.parent else None
                if units[spec.code].parent_id != parent_id:
                    units[spec.code].parent_id = parent_id
                    updated += spec.code in existing_units

            users = {u.username: u for u in (await session.scalars(select(User))).all()}
            demo_hash: str | None = None
            for spec in data.USERS:
                values = {
                    "display_name": spec.name_zh,
                    "display_name_en": spec.name_en,
                    "role": spec.role,
                    "unit_id": units[spec.unit].id,
                }
                user = users.get(spec.username)
                if user is None:
                    demo_hash = demo_hash or passwords.hash_sync(settings.demo_password)
                    user = users[spec.username] = User(
                        username=spec.username, password_hash=demo_hash, **values
                    )
                    session.add(user)
                    added += 1
                elif _sync(user, values):
                    updated += 1
            await session.flush()

            campaigns = {c.code: c for c in (await session.scalars(select(Campaign))).all()}
            for position, spec in enumerate(data.CAMPAIGNS):
                values = {
                    "name_zh": spec.name_zh,
                    "name_en": spec.name_en,
                    "category": spec.category,
                    "lead_id": users[spec.lead].id,
                    "responsible_unit_id": units[spec.responsible_unit].id,
                    "measures_zh": spec.measures_zh,
                    "measures_en": spec.measures_en,
                    "starts_on": spec.starts_on,
                    "ends_on": spec.ends_on,
                    "position": position,
                }
                campaign = campaigns.get(spec.code)
                if campaign is None:
                    campaign = campaigns[spec.code] = Campaign(code=spec.code, **values)
                    session.add(campaign)
                    added += 1
                elif _sync(campaign, values):
                    updated += 1
            await session.flush()

            items = {(i.campaign_id, i.code): i for i in (await session.scalars(select(ChecklistItem))).all()}
            for spec in data.CAMPAIGNS:
                campaign = campaigns[spec.code]
                for position, item_spec in enumerate(spec.items):
                    values = {
                        "text_zh": item_spec.text_zh,
                        "text_en": item_spec.text_en,
                        "severity": item_spec.severity,
                        "position": position,
                    }
                    item = items.get((campaign.id, item_spec.code))
                    if item is None:
                        session.add(ChecklistItem(campaign_id=campaign.id, code=item_spec.code, **values))
                        added += 1
                    elif _sync(item, values):
                        updated += 1

            sites = {s.code: s for s in (await session.scalars(select(Site))).all()}
            for spec in data.SITES:
                values = {
                    "name_zh": spec.name_zh,
                    "name_en": spec.name_en,
                    "kind": spec.kind,
                    "lat": spec.lat,
                    "lon": spec.lon,
                    "unit_id": units[spec.unit].id if spec.unit else None,
                }
                site = sites.get(spec.code)
                if site is None:
                    session.add(Site(code=spec.code, **values))
                    added += 1
                elif _sync(site, values):
                    updated += 1
    finally:
        if database is None:
            await db.dispose()
    if not added and not updated:
        return "demo data already loaded: nothing changed"
    return f"demo data loaded: {added} rows added, {updated} updated"
