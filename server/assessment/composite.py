"""The arithmetic of the composite score (docs/scores.md): a part's value and basis, the routine
part's rates, the weighted composite, the rating and the ranking. No database here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PARTS = ("third_party", "service_recipient", "democratic", "routine")
RATINGS = ("excellent", "qualified", "unqualified")


@dataclass(frozen=True)
class Part:
    value: float | None
    basis: int

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "basis": self.basis}


NO_DATA = Part(None, 0)


@dataclass(frozen=True)
class RoutineCounts:
    """What the routine part's rates are counted from (docs/scores.md)."""

    findings: int = 0
    on_time: int = 0
    due: int = 0
    reworked: int = 0
    verified: int = 0
    complaints: int = 0
    closed: int = 0

    def rates(self) -> dict[str, float]:
        """The rates with data, as percentages: on time, not reworked, complaints completed."""
        rates = {}
        if self.due:
            rates["on_time"] = 100 * self.on_time / self.due
        if self.verified:
            rates["not_reworked"] = 100 * (1 - self.reworked / self.verified)
        if self.complaints:
            rates["completed"] = 100 * self.closed / self.complaints
        return rates


def round2(value: float) -> float:
    return round(value, 2)


def composite(parts: dict[str, Part], weights: dict[str, int]) -> dict[str, Any]:
    """The weighted mean of the parts with data, their weights scaled to sum to 100."""
    used = [name for name in PARTS if parts[name].value is not None]
    if not used:
        return {"value": None, "basis": 0, "parts_used": []}
    weight = sum(weights[name] for name in used)
    value = sum(weights[name] * parts[name].value for name in used) / weight  # type: ignore[operator]
    return {"value": round2(value), "basis": sum(parts[name].basis for name in used), "parts_used": used}


def rating_of(value: float | None, bands: dict[str, int]) -> str | None:
    if value is None:
        return None
    if value >= bands["excellent"]:
        return "excellent"
    return "qualified" if value >= bands["qualified"] else "unqualified"


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Highest composite first, equal composites sharing a rank (1, 2, 2, 4), units without any
    data last with no rank; ties and the unranked in the order of their unit codes."""
    rows.sort(
        key=lambda row: (row["composite"]["value"] is None, -(row["composite"]["value"] or 0), row["unit"])
    )
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        value = row["composite"]["value"]
        if value is None:
            row["rank"] = None
            continue
        if value != previous:
            rank, previous = position, value
        row["rank"] = rank
    return rows
