"""The year's trend of the units' composites by month (docs/scores.md), and the bar chart the
ranking page draws of it (inline SVG drawn here, no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..models import Unit
from .periods import Period
from .scores import ScoreService

MONTHS = range(1, 13)


def months_of(year: int) -> list[Period]:
    return [Period(f"{year:04d}-{month:02d}", date(year, month, 1), 1) for month in MONTHS]


async def monthly_trend(
    scores: ScoreService, units: list[Unit], year: int, now: datetime | None = None
) -> dict[str, list[float | None]]:
    """Each unit's composite in each month of the year (None for a month without data): the
    twelve months scored together, one grouped statement per part."""
    trend: dict[str, list[float | None]] = {unit.code: [] for unit in units}
    for rows in await scores.tables(units, months_of(year), now):
        for row in rows:
            trend[row["unit"]].append(row["composite"]["value"])
    return trend


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    height: float
    month: int
    value: float | None


WIDTH, HEIGHT, BAR, GAP = 120, 32, 8, 2


def bars(values: list[float | None]) -> list[Bar]:
    """The bars of a 120 x 32 chart, one per month, heights out of 100; a month without data has
    a bar of height 0 (the chart's baseline marks it)."""
    drawn = []
    for index, value in enumerate(values):
        height = round(HEIGHT * max(0.0, min(100.0, value)) / 100, 1) if value is not None else 0.0
        drawn.append(Bar(index * (BAR + GAP), round(HEIGHT - height, 1), height, index + 1, value))
    return drawn
