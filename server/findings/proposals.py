"""What the lead is offered when assigning or sending back: the units that can rectify, the
unit to propose, and the deadline the campaign's rule gives for the finding's severity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..models import RECTIFYING_UNIT_KINDS, Campaign, Finding, Unit

# Deadlines fall at the end of the working day, in the bureau's time zone.
END_OF_DAY = time(18, 0)
# A same-day rule met too late in the day would give a deadline nobody can keep (or one
# already past): then the next working day's end is proposed instead.
LEAST_NOTICE = timedelta(hours=2)


def can_rectify(unit: Unit) -> bool:
    return unit.active and unit.kind in RECTIFYING_UNIT_KINDS


def rectifying_units(units: Iterable[Unit]) -> list[Unit]:
    return [u for u in units if can_rectify(u)]


def proposed_unit(finding: Finding, units: Iterable[Unit]) -> Unit | None:
    """The unit the site belongs to when it can rectify, else the campaign's responsible unit."""
    offered = {u.id: u for u in rectifying_units(units)}
    for unit_id in (finding.site.unit_id if finding.site else None, finding.campaign.responsible_unit_id):
        if unit_id in offered:
            return offered[unit_id]
    return None


def proposed_deadline(campaign: Campaign, severity: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The end of the working day, the campaign's number of days for this severity from now."""
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=campaign.deadline_days(severity))
    deadline = datetime.combine(day, END_OF_DAY, tzinfo=zone)
    while deadline - now < LEAST_NOTICE:
        deadline += timedelta(days=1)
    return deadline


def deadline_rule(campaign: Campaign) -> dict[str, Any]:
    return {
        "minor": campaign.deadline_days_minor,
        "major": campaign.deadline_days_major,
        "critical": campaign.deadline_days_critical,
    }
