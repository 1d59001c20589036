"""The SQL behind a bulletin's figures: one aggregate statement per table, never a row per record.

Every figure is in the bulletin's scope: the period's records (checks recorded, findings opened,
complaints received in it, by the bureau's calendar), of one campaign for a campaign bulletin.
Covert unannounced checks the office has not disclosed, and their findings, count nowhere; nor
do duplicates merged into another finding. What moves with the clock (overdue, days late) is
read at `now`, the moment the figures are generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, literal_column, or_, select

from ..assessment.indicators import WAITING, aggregate_columns, indicators_of, scope
from ..assessment.periods import Period
from ..assessment.scores import ScoreService
from ..complaints.indicators import ComplaintIndicatorService
from ..db import Database
from ..models import (
    RECTIFYING_UNIT_KINDS,
    Campaign,
    Check,
    CheckKind,
    ChecklistItem,
    Finding,
    FindingStatus,
    Photo,
    Rectification,
    Unit,
    utcnow,
)

OVERDUE_ROWS = 20
CASES = 4
CHECK_KINDS = tuple(kind.value for kind in CheckKind)


@dataclass(frozen=True)
class Scope:
    """What a bulletin counts: the period's bounds, the campaign (None: bureau-wide), the clock."""

    period: Period
    start: datetime
    end: datetime
    now: datetime
    campaign_id: int | None


@dataclass
class Sources:
    """The services and names the sections read: built once per generation."""

    db: Database
    scores: ScoreService
    complaints: ComplaintIndicatorService
    units: dict[int, Unit]
    campaigns: dict[int, Campaign]
    # The three assessments and what followed from the ratings (server/assessment/).
    responsibility: Any = None
    consequences: Any = None
    # What more than one section reads, computed once.
    cache: dict[str, Any] = field(default_factory=dict)

    def unit(self, unit_id: int | None) -> dict[str, Any]:
        unit = self.units.get(unit_id) if unit_id is not None else None
        if unit is None:
            return {"unit": None, "unit_zh": "未指派", "unit_en": "Not assigned"}
        return {"unit": unit.code, "unit_zh": unit.name_zh, "unit_en": unit.name_en}

    def campaign(self, campaign_id: int) -> dict[str, Any]:
        campaign = self.campaigns[campaign_id]
        return {"campaign": campaign.code, "campaign_zh": campaign.name_zh, "campaign_en": campaign.name_en}


async def load_sources(
    db: Database,
    scores: ScoreService,
    complaints: ComplaintIndicatorService,
    responsibility: Any = None,
    consequences: Any = None,
) -> Sources:
    async with db.read() as session:
        units = {u.id: u for u in (await session.execute(select(Unit))).scalars()}
        campaigns = {c.id: c for c in (await session.execute(select(Campaign))).unique().scalars()}
    return Sources(db, scores, complaints, units, campaigns, responsibility, consequences)


def _campaign_key(column: Any) -> Any:
    """The campaign to group by, as an expression: grouped by the bare column, SQLite walks a
    whole year's rows through the campaign's index in its order (a lookup per row) where reading
    the table through is twice as fast; a campaign bulletin still finds its rows by that index.
    Grouped by the output column's name, as PostgreSQL needs."""
    return (column + 0).label("campaign_key")


def _visible_checks(s: Scope) -> list[Any]:
    clauses = [
        or_(Check.covert.is_(False), Check.disclosed_at.is_not(None)),
        Check.recorded_at >= s.start,
        Check.recorded_at < s.end,
    ]
    if s.campaign_id is not None:
        clauses.append(Check.campaign_id == s.campaign_id)
    return clauses


async def checks_made(src: Sources, s: Scope) -> dict[str, Any]:
    """Checks recorded in the period, by campaign and kind."""
    query = (
        select(_campaign_key(Check.campaign_id), Check.kind, func.count())
        .where(*_visible_checks(s))
        .group_by(literal_column("campaign_key"), Check.kind)
    )
    by_campaign: dict[int, dict[str, int]] = {}
    async with src.db.read() as session:
        for campaign_id, kind, n in (await session.execute(query)).all():
            by_campaign.setdefault(campaign_id, dict.fromkeys(CHECK_KINDS, 0))[kind] = int(n)
    rows = []
    for campaign_id, kinds in sorted(by_campaign.items(), key=lambda item: src.campaigns[item[0]].position):
        rows.append({**src.campaign(campaign_id), **kinds, "total": sum(kinds.values())})
    total = {kind: sum(row[kind] for row in rows) for kind in (*CHECK_KINDS, "total")}
    return {"rows": rows, "total": total}


def _finding_row(indicators: Any) -> dict[str, Any]:
    """The four counts of the findings tables: opened, rectified (submitted at least once),
    closed (verified) and overdue now (waiting for the unit past their deadline)."""
    return {
        "opened": indicators.total,
        "rectified": indicators.handling.numerator,
        "closed": indicators.statuses["closed"],
        "overdue": indicators.overdue,
    }


@dataclass(frozen=True)
class Counted:
    """Summed aggregate columns, read as a row by indicators_of."""

    _mapping: dict[str, int]


def _summed(groups: list[dict[str, int]]) -> Counted:
    keys = groups[0].keys() if groups else [c.name for c in aggregate_columns(utcnow())]
    return Counted({key: sum(group[key] for group in groups) for key in keys})


async def finding_groups(src: Sources, s: Scope) -> dict[tuple[int, int | None], dict[str, int]]:
    """The period's findings counted per campaign and unit, in one aggregate statement that the
    findings and handling sections both read: every figure is a count, so the campaigns', the
    units' and the whole scope's are sums of these groups."""
    if "finding_groups" not in src.cache:
        query = (
            select(_campaign_key(Finding.campaign_id), Finding.assigned_unit_id, *aggregate_columns(s.now))
            .where(*scope(campaign_id=s.campaign_id, unit_id=None, start=s.start, end=s.end))
            .group_by(literal_column("campaign_key"), Finding.assigned_unit_id)
        )
        async with src.db.read() as session:
            rows = (await session.execute(query)).all()
        src.cache["finding_groups"] = {
            (row.campaign_key, row.assigned_unit_id): {
                key: int(value)
                for key, value in row._mapping.items()
                if key not in ("campaign_key", "assigned_unit_id")
            }
            for row in rows
        }
    return src.cache["finding_groups"]


async def findings(src: Sources, s: Scope) -> dict[str, Any]:
    """Findings opened in the period by campaign and by unit."""
    groups = await finding_groups(src, s)
    campaigns: dict[int, list[dict[str, int]]] = {}
    units: dict[int | None, list[dict[str, int]]] = {}
    for (campaign_id, unit_id), counts in groups.items():
        campaigns.setdefault(campaign_id, []).append(counts)
        units.setdefault(unit_id, []).append(counts)
    campaign_rows = [
        {**src.campaign(campaign_id), **_finding_row(indicators_of(_summed(counted)))}
        for campaign_id, counted in sorted(
            campaigns.items(), key=lambda item: src.campaigns[item[0]].position
        )
    ]
    unit_rows = [
        {**src.unit(unit_id), **_finding_row(indicators_of(_summed(counted)))}
        for unit_id, counted in units.items()
    ]
    unit_rows.sort(key=lambda row: (-row["opened"], row["unit"] or "~"))
    total = _finding_row(indicators_of(_summed(list(groups.values()))))
    return {"by_campaign": campaign_rows, "by_unit": unit_rows, "total": total}


async def handling(src: Sources, s: Scope) -> dict[str, Any]:
    """The handling indicators of the whole scope (docs/indicators.md)."""
    return indicators_of(_summed(list((await finding_groups(src, s)).values()))).as_json()


async def complaints(src: Sources, s: Scope) -> dict[str, Any]:
    """The complaint indicators of the complaints received in the period (docs/indicators.md)."""
    figures = await src.complaints.between(s.start, s.end, campaign_id=s.campaign_id)
    return figures.as_json()


async def overdue(src: Sources, s: Scope) -> dict[str, Any]:
    """Findings opened in the period, waiting for their unit past the deadline now: how many, and
    the longest overdue first."""
    where = [
        *scope(campaign_id=s.campaign_id, unit_id=None, start=s.start, end=s.end),
        Finding.status.in_(WAITING),
        Finding.deadline < s.now,
    ]
    count = select(func.count()).select_from(Finding).where(*where)
    top = (
        select(
            Finding.id,
            Finding.campaign_id,
            Finding.assigned_unit_id,
            Finding.deadline,
            Finding.severity,
            Finding.notice_number,
        )
        .where(*where)
        .order_by(Finding.deadline, Finding.id)
        .limit(OVERDUE_ROWS)
    )
    async with src.db.read() as session:
        total = int(await session.scalar(count) or 0)
        rows = (await session.execute(top)).all()
    listed = [
        {
            "finding": row.id,
            "notice_number": row.notice_number,
            **src.campaign(row.campaign_id),
            **src.unit(row.assigned_unit_id),
            "severity": row.severity,
            "deadline": row.deadline.isoformat(),
            "days_late": (s.now - row.deadline).days,
        }
        for row in rows
    ]
    return {"total": total, "rows": listed}


async def involved_units(src: Sources, s: Scope) -> list[Unit]:
    """The units a bulletin ranks: every active rectifying unit, or for a campaign bulletin the
    campaign's responsible unit and the units assigned its findings in the period."""
    units = [u for u in src.units.values() if u.active and u.kind in {k.value for k in RECTIFYING_UNIT_KINDS}]
    if s.campaign_id is None:
        return sorted(units, key=lambda u: u.code)
    query = (
        select(Finding.assigned_unit_id)
        .where(
            *scope(campaign_id=s.campaign_id, unit_id=None, start=s.start, end=s.end),
            Finding.assigned_unit_id.is_not(None),
        )
        .distinct()
    )
    async with src.db.read() as session:
        ids = set((await session.execute(query)).scalars())
    ids.add(src.campaigns[s.campaign_id].responsible_unit_id)
    return sorted((u for u in units if u.id in ids), key=lambda u: u.code)


async def ranking(src: Sources, s: Scope) -> dict[str, Any]:
    """The units' composite scores for the period (docs/scores.md), ranked."""
    units = await involved_units(src, s)
    by_code = {u.code: u for u in units}
    rows = await src.scores.scores(units, s.period, now=s.now)
    ranked = [
        {
            **src.unit(by_code[row["unit"]].id),
            "rank": row["rank"],
            "composite": row["composite"]["value"],
            **{
                part: row[part]["value"]
                for part in ("third_party", "service_recipient", "democratic", "routine")
            },
            "rating": row["rating"],
        }
        for row in rows
    ]
    return {"rows": ranked}


def _received(photo: Any) -> Any:
    return and_(photo.received_at.is_not(None), photo.sha256.is_not(None))


async def cases(src: Sources, s: Scope) -> dict[str, Any]:
    """A few findings of the period closed with before and after photos: the latest closed first."""
    before = Photo.__table__.alias("before")
    after = Photo.__table__.alias("after")
    rect = Rectification.__table__.alias("rect")
    before_of = and_(
        before.c.check_id == Finding.check_id,
        or_(before.c.item_id == Finding.item_id, before.c.item_id.is_(None)),
        _received(before.c),
    )
    after_of = and_(
        after.c.rectification_id == rect.c.id, rect.c.finding_id == Finding.id, _received(after.c)
    )
    chosen = (
        select(
            Finding.id,
            Finding.check_id,
            Finding.campaign_id,
            Finding.assigned_unit_id,
            Finding.closed_at,
            Finding.item_id,
        )
        .where(
            *scope(campaign_id=s.campaign_id, unit_id=None, start=s.start, end=s.end),
            Finding.status == FindingStatus.closed.value,
            exists().where(before_of),
            exists().where(after_of),
        )
        .order_by(Finding.closed_at.desc(), Finding.id.desc())
        .limit(CASES)
    )
    found = []
    async with src.db.read() as session:
        for row in (await session.execute(chosen)).all():
            first_before = (
                select(before.c.uuid, before.c.sha256)
                .where(
                    before.c.check_id == row.check_id,
                    or_(before.c.item_id == row.item_id, before.c.item_id.is_(None)),
                    _received(before.c),
                )
                .order_by(before.c.position, before.c.id)
                .limit(1)
            )
            first_after = (
                select(after.c.uuid, after.c.sha256)
                .join_from(after, rect, after.c.rectification_id == rect.c.id)
                .where(rect.c.finding_id == row.id, _received(after.c))
                .order_by(after.c.id.desc())
                .limit(1)
            )
            b = (await session.execute(first_before)).one()
            a = (await session.execute(first_after)).one()
            item = (
                await session.execute(
                    select(ChecklistItem.text_zh, ChecklistItem.text_en).where(
                        ChecklistItem.id == row.item_id
                    )
                )
            ).one()
            found.append(
                {
                    "finding": row.id,
                    **src.campaign(row.campaign_id),
                    **src.unit(row.assigned_unit_id),
                    "item_zh": item.text_zh,
                    "item_en": item.text_en,
                    "closed_at": row.closed_at.isoformat(),
                    "before": {"uuid": b.uuid, "sha256": b.sha256},
                    "after": {"uuid": a.uuid, "sha256": a.sha256},
                }
            )
    return {"rows": found}
