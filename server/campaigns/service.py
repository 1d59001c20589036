"""Campaigns, checklists and sites: the reference data every check is recorded against."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from ..db import Database
from ..geo import bounding_box, distance_m
from ..models import (
    KINDS_BY_ROLE,
    Campaign,
    ChecklistVersion,
    ChecklistVersionItem,
    Role,
    Site,
    Unit,
    User,
)

# Reference data changes a few times a year; checks arrive many times a second.
_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class ItemRef:
    id: int
    code: str
    text_zh: str
    text_en: str
    severity: str
    active: bool

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_zh


@dataclass(frozen=True)
class CampaignRef:
    id: int
    code: str
    name_zh: str
    name_en: str
    category: str
    active: bool
    lead_id: int
    responsible_unit_id: int
    # Every revision of every item, so a stored answer's item is always found by id.
    items: tuple[ItemRef, ...]
    # The current checklist's items by code.
    items_by_code: dict[str, ItemRef] = field(hash=False, compare=False)
    version: int = 0
    # Each checklist version's items by code: a check made offline against an older
    # version is read against that version.
    versions: dict[int, dict[str, ItemRef]] = field(default_factory=dict, hash=False, compare=False)

    def at_version(self, number: int) -> CampaignRef | None:
        if number == self.version:
            return self
        items = self.versions.get(number)
        return None if items is None else replace(self, items_by_code=items)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class Reference:
    campaigns: dict[str, CampaignRef]
    campaigns_by_id: dict[int, CampaignRef]
    units_by_code: dict[str, int]
    sites_by_code: dict[str, int]
    loaded_at: float


class CampaignService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._reference: Reference | None = None

    def invalidate(self) -> None:
        """Forget the cached reference data, after the office changes campaigns, checklists or sites."""
        self._reference = None

    async def reference(self) -> Reference:
        ref = self._reference
        if ref is not None and time.monotonic() - ref.loaded_at < _TTL_SECONDS:
            return ref
        async with self.db.read() as session:
            campaigns = (
                await session.scalars(select(Campaign).order_by(Campaign.position, Campaign.id))
            ).all()
            units = (await session.execute(select(Unit.code, Unit.id).where(Unit.active))).all()
            sites = (await session.execute(select(Site.code, Site.id).where(Site.active))).all()
            listed = (
                await session.execute(
                    select(
                        ChecklistVersion.campaign_id, ChecklistVersion.number, ChecklistVersionItem.item_id
                    )
                    .join(ChecklistVersionItem, ChecklistVersionItem.version_id == ChecklistVersion.id)
                    .order_by(ChecklistVersion.number, ChecklistVersionItem.position)
                )
            ).all()
        refs = {}
        for c in campaigns:
            items = tuple(ItemRef(i.id, i.code, i.text_zh, i.text_en, i.severity, i.active) for i in c.items)
            by_id = {i.id: i for i in items}
            versions: dict[int, dict[str, ItemRef]] = {}
            for campaign_id, number, item_id in listed:
                if campaign_id == c.id:
                    versions.setdefault(number, {})[by_id[item_id].code] = by_id[item_id]
            refs[c.code] = CampaignRef(
                c.id,
                c.code,
                c.name_zh,
                c.name_en,
                c.category,
                c.active,
                c.lead_id,
                c.responsible_unit_id,
                items,
                {i.code: i for i in items if i.active},
                max(versions, default=0),
                versions,
            )
        ref = Reference(
            campaigns=refs,
            campaigns_by_id={c.id: c for c in refs.values()},
            units_by_code=dict(units),  # type: ignore[arg-type]
            sites_by_code=dict(sites),  # type: ignore[arg-type]
            loaded_at=time.monotonic(),
        )
        self._reference = ref
        return ref

    async def version_of(self, code: str) -> int:
        found = (await self.reference()).campaigns.get(code)
        return found.version if found else 0

    async def campaigns(self, *, active_only: bool = True) -> list[Campaign]:
        async with self.db.read() as session:
            query = select(Campaign).order_by(Campaign.position, Campaign.id)
            if active_only:
                query = query.where(Campaign.active)
            return list((await session.scalars(query)).unique().all())

    async def campaign(self, code: str) -> Campaign | None:
        async with self.db.read() as session:
            return await session.scalar(select(Campaign).where(Campaign.code == code))

    async def recordable_for(self, user: User) -> list[Campaign]:
        """The campaigns a user may record checks for: every active one, for a role that records."""
        if not KINDS_BY_ROLE.get(Role(user.role)):
            return []
        return await self.campaigns()

    async def sites_near(
        self, lat: float, lon: float, radius_m: float, limit: int = 20
    ) -> list[tuple[Site, float]]:
        south, north, west, east = bounding_box(lat, lon, radius_m)
        async with self.db.read() as session:
            candidates = (
                await session.scalars(
                    select(Site).where(
                        Site.active, Site.lat.between(south, north), Site.lon.between(west, east)
                    )
                )
            ).all()
        near = [(site, distance_m(lat, lon, site.lat, site.lon)) for site in candidates]
        near = [pair for pair in near if pair[1] <= radius_m]
        near.sort(key=lambda pair: pair[1])
        return near[:limit]

    async def sites(self) -> list[Site]:
        async with self.db.read() as session:
            return list((await session.scalars(select(Site).where(Site.active).order_by(Site.code))).all())

    async def units(self) -> list[Unit]:
        async with self.db.read() as session:
            return list((await session.scalars(select(Unit).where(Unit.active).order_by(Unit.id))).all())
