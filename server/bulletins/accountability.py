"""The bulletin's sections that read the assessment's services rather than the records: the
three assessments of the units ranked, and what followed from their ratings."""

from __future__ import annotations

from typing import Any

from .figures import Scope, Sources, involved_units


async def responsibility(src: Sources, s: Scope) -> dict[str, Any]:
    """The three assessments (三考核) of the units the bulletin ranks: each unit's own result, that
    of the department above it and of each leader who follows it (docs/scores.md). The bulletin
    reports each result both to the unit and to the unit above it."""
    if src.responsibility is None:
        return {"rows": []}
    units = await involved_units(src, s)
    found = await src.responsibility.assess(s.period, now=s.now)
    result = found.as_json({u.id for u in units})
    by_code = {u.code: u for u in src.units.values()}
    rows = []
    for row in result["units"]:
        sector = row["sector"]
        parent = by_code.get(sector["unit"]) if sector else None
        rows.append(
            {
                **src.unit(by_code[row["unit"]].id),
                "own": row["own"]["value"],
                "rating": row["own"]["rating"],
                "parent_zh": parent.name_zh if parent else None,
                "sector": sector["value"] if sector else None,
                "contact": [
                    {"leader": c["leader"], "name_zh": leader_name(found, c["leader"]), "value": c["value"]}
                    for c in row["contact"]
                ],
            }
        )
    return {"rows": rows}


def leader_name(found: Any, username: str) -> str:
    for leader, _mean in found.leaders.values():
        if leader.username == username:
            return leader.display_name
    return username


async def consequences(src: Sources, s: Scope) -> dict[str, Any]:
    """What followed from the ratings (检查结果运用) in the period: rectification notices,
    interviews, award eligibility removed and praise, of the units the bulletin ranks."""
    if src.consequences is None:
        return {"notices": [], "interviews": [], "eligibility_losses": [], "praises": []}
    units = await involved_units(src, s)
    records = await src.consequences.for_period(s.period, {u.id for u in units}, "zh")
    keep = ("notices", "interviews", "eligibility_losses", "praises")
    return {key: records[key] for key in keep}
