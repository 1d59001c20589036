"""`xuncha demo`: load the demo world. Idempotent: a second run changes nothing.

Rows are matched by their stable codes; a row that differs from the data is brought in
line, a missing one is added, and accounts that exist keep their passwords.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..accounts.passwords import Passwords
from ..audit.chain import AuditLog
from ..db import Database
from ..models import Campaign, ChecklistItem, ChecklistVersion, ChecklistVersionItem, Site, Unit, User, utcnow
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
            # The loader is a writer like any other: what it adds or changes is in the trail.
            audit = AuditLog(actor_id=None)
            units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
            existing_units = set(units)
            changed_units: set[str] = set()
            for spec in data.UNITS:
                values = {"name_zh": spec.name_zh, "name_en": spec.name_en, "kind": spec.kind}
                unit = units.get(spec.code)
                if unit is None:
                    unit = units[spec.code] = Unit(code=spec.code, **values)
                    session.add(unit)
                    changed_units.add(spec.code)
                    added += 1
                elif _sync(unit, values):
                    changed_units.add(spec.code)
                    updated += 1
            await session.flush()
            for spec in data.UNITS:
                parent_id = units[spec.parent].id if spec.parent else None
                if units[spec.code].parent_id != parent_id:
                    units[spec.code].parent_id = parent_id
                    changed_units.add(spec.code)
                    updated += spec.code in existing_units
            for code in sorted(changed_units):
                audit.record("unit.loaded", "unit", units[code])

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
                        username=spec.username, password_hash=demo_hash, password_set_at=utcnow(), **values
                    )
                    session.add(user)
                    added += 1
                elif _sync(user, values):
                    updated += 1
            for user in users.values():
                if user in session.new or user in session.dirty:
                    audit.record("user.loaded", "user", user)
            await session.flush()

            campaigns = {c.code: c for c in (await session.scalars(select(Campaign))).unique().all()}
            changed_campaigns: set[str] = set()
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
                    changed_campaigns.add(spec.code)
                    added += 1
                elif _sync(campaign, values):
                    changed_campaigns.add(spec.code)
                    updated += 1
            await session.flush()
            for code in sorted(changed_campaigns):
                audit.record("campaign.loaded", "campaign", campaigns[code])

            # A campaign's checklist is loaded once, as its version 1; after that it is the
            # office's to change, and a new run of the demo leaves it alone.
            versioned = set((await session.scalars(select(ChecklistVersion.campaign_id))).all())
            for spec in data.CAMPAIGNS:
                campaign = campaigns[spec.code]
                if campaign.id in versioned:
                    continue
                rows = [
                    ChecklistItem(
                        campaign_id=campaign.id,
                        code=item_spec.code,
                        text_zh=item_spec.text_zh,
                        text_en=item_spec.text_en,
                        severity=item_spec.severity,
                        position=position,
                        revision=1,
                        active=True,
                    )
                    for position, item_spec in enumerate(spec.items)
                ]
                version = ChecklistVersion(campaign_id=campaign.id, number=1)
                session.add_all([*rows, version])
                await session.flush()
                session.add_all(
                    [
                        ChecklistVersionItem(version_id=version.id, item_id=r.id, position=p)
                        for p, r in enumerate(rows)
                    ]
                )
                for row in rows:
                    audit.record("checklist_item.loaded", "checklist_item", row)
                audit.record("checklist.version_saved", "checklist_version", version)
                added += len(rows)

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
                    site = Site(code=spec.code, **values)
                    session.add(site)
                    audit.record("site.loaded", "site", site)
                    added += 1
                elif _sync(site, values):
                    audit.record("site.loaded", "site", site)
                    updated += 1
            await audit.write(session)
    finally:
        if database is None:
            await db.dispose()
    if not added and not updated:
        return "demo data already loaded: nothing changed"
    return f"demo data loaded: {added} rows added, {updated} updated"
