"""Findings as the desk's lists show them, read with one plain SELECT of the columns shown.

The desk's page lists up to 80 findings (the filtered page, the most overdue, the feed, the
notifications). Loaded as ORM entities each would bring its campaign (with the campaign's lead
and responsible unit), item, site (with its unit) and unit as entities too; the lists show only
names. A ListedFinding has what the templates read (`f.item.text(lang)`, `f.site.name(lang)`, the
status and deadline the marks need) and nothing else, so the same templates serve both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from ..models import Campaign, ChecklistItem, Finding, Site, Unit


@dataclass(frozen=True, slots=True)
class Names:
    """A campaign's, item's, site's or unit's name in both languages."""

    zh: str
    en: str

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    text = name  # an item's name is its text


@dataclass(frozen=True, slots=True)
class ListedFinding:
    id: int
    status: str
    severity: str
    found_at: datetime
    deadline: datetime | None
    campaign: Names
    item: Names
    site: Names | None
    assigned_unit: Names | None


# Aliases: the filters' subqueries on campaigns, sites and units must not correlate with these.
_campaign = aliased(Campaign)
_item = aliased(ChecklistItem)
_site = aliased(Site)
_unit = aliased(Unit)


def listed_findings() -> Select[Any]:
    """The SELECT of a list of findings; add the WHERE, ORDER BY and LIMIT, run it with `listed`."""
    return (
        select(
            Finding.id,
            Finding.status,
            Finding.severity,
            Finding.found_at,
            Finding.deadline,
            _campaign.name_zh,
            _campaign.name_en,
            _item.text_zh,
            _item.text_en,
            Finding.site_id,
            _site.name_zh,
            _site.name_en,
            Finding.assigned_unit_id,
            _unit.name_zh,
            _unit.name_en,
        )
        .join(_campaign, _campaign.id == Finding.campaign_id)
        .join(_item, _item.id == Finding.item_id)
        .outerjoin(_site, _site.id == Finding.site_id)
        .outerjoin(_unit, _unit.id == Finding.assigned_unit_id)
    )


async def listed(session: Any, statement: Select[Any]) -> list[ListedFinding]:
    return [
        ListedFinding(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            Names(row[5], row[6]),
            Names(row[7], row[8]),
            Names(row[10], row[11]) if row[9] is not None else None,
            Names(row[13], row[14]) if row[12] is not None else None,
        )
        for row in (await session.execute(statement)).all()
    ]
