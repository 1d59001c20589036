"""The plan's dated duties for the current year, as `xuncha demo` loads them: a duty whose code the
year already has is left as it is, so a second run changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit.chain import AuditLog
from ..models import Duty, DutyUnit, Unit, utcnow

# What a duty takes from its spec as it is.
COPIED = ("code", "title_zh", "title_en", "description_zh", "description_en")


def current_year(timezone: str) -> int:
    return utcnow().astimezone(ZoneInfo(timezone)).year


async def seed_duties(session: AsyncSession, audit: AuditLog, year: int, specs: Any) -> int:
    """Adds the duties of `specs` (server/demo/data.py's DUTIES) the year lacks; the rows added."""
    have = set((await session.scalars(select(Duty.code).where(Duty.year == year))).all())
    units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    added = 0
    for spec in specs:
        if spec.code in have:
            continue
        duty = Duty(
            year=year,
            **{name: getattr(spec, name) for name in COPIED},
            due_on=date(year, spec.month, spec.day),
            scope="chosen" if spec.units else "all",
            created_by_id=None,
            created_at=utcnow(),
        )
        session.add(duty)
        await session.flush()
        audit.record("duty.loaded", "duty", duty)
        for code in spec.units:
            row = DutyUnit(duty_id=duty.id, unit_id=units[code].id)
            session.add(row)
            audit.record("duty.unit_chosen", "duty_unit", row)
        added += 1 + len(spec.units)
    return added
