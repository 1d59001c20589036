"""`xuncha demo`: load the demo world. Idempotent: a second run changes nothing.

Rows are matched by their stable codes; a row that differs from the data is brought in
line, a missing one is added, and accounts that exist keep their passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.passwords import Passwords
from ..admin.registry import apply
from ..audit.chain import AuditLog
from ..db import Database
from ..duties.seed import current_year, seed_duties
from ..models import Campaign, ChecklistItem, ChecklistVersion, ChecklistVersionItem, Site, Unit, User, utcnow
from ..settings import Settings
from . import data


@dataclass
class _Upserts:
    """Adds a missing row or brings an existing one in line with the data, counting both."""

    session: AsyncSession
    added: int = 0
    updated: int = 0

    def __call__(
        self,
        rows: dict[str, Any],
        model: Any,
        key: str,
        values: dict[str, Any],
        key_field: str = "code",
        **on_create: Any,
    ) -> bool:
        """True when the row whose `key_field` is `key` was added or changed."""
        row = rows.get(key)
        if row is None:
            rows[key] = model(**{key_field: key}, **on_create, **values)
            self.session.add(rows[key])
            self.added += 1
            return True
        if apply(row, values):
            self.updated += 1
            return True
        return False


async def load_demo(settings: Settings, database: Database | None = None) -> str:
    db = database or Database(settings)
    passwords = Passwords(settings)
    try:
        async with db.write() as session:
            # The loader is a writer like any other: what it adds or changes is in the trail.
            audit = AuditLog(actor_id=None)
            upsert = _Upserts(session)
            units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
            existing_units = set(units)
            changed_units: set[str] = set()
            for spec in data.UNITS:
                values = {"name_zh": spec.name_zh, "name_en": spec.name_en, "kind": spec.kind}
                if upsert(units, Unit, spec.code, values):
                    changed_units.add(spec.code)
            await session.flush()
            for spec in data.UNITS:
                parent_id = units[spec.parent].id if spec.parent else None
                if units[spec.code].parent_id != parent_id:
                    units[spec.code].parent_id = parent_id
                    changed_units.add(spec.code)
                    upsert.updated += spec.code in existing_units
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
                if spec.username not in users:
                    demo_hash = demo_hash or passwords.hash_sync(settings.demo_password)
                upsert(
                    users,
                    User,
                    spec.username,
                    values,
                    key_field="username",
                    password_hash=demo_hash,
                    password_set_at=utcnow(),
                )
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
                if upsert(campaigns, Campaign, spec.code, values):
                    changed_campaigns.add(spec.code)
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
                upsert.added += len(rows)

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
                if upsert(sites, Site, spec.code, values):
                    audit.record("site.loaded", "site", sites[spec.code])
            await session.flush()
            upsert.added += await seed_duties(session, audit, current_year(settings.timezone), data.DUTIES)
            await audit.write(session)
    finally:
        if database is None:
            await db.dispose()
    if not upsert.added and not upsert.updated:
        return "demo data already loaded: nothing changed"
    return f"demo data loaded: {upsert.added} rows added, {upsert.updated} updated"
