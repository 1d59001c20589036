"""The rules every consequence of a rating shares (docs/consequences.md): who may read which
unit's records, which unit and period a record is for, and whether the unit's rating calls for it.

The rule of the rating: a rectification notice and the loss of award eligibility are for a unit
rated `unqualified` in the period, praise for one rated `excellent`. For any other rating, or a
unit with no data, the office must give `override_reason` (why it acts anyway): without one the
request is 422 naming `override_reason`. The rating at the time and the reason are kept on the
record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..admin.fields import Body
from ..checks.schemas import parse_datetime
from ..errors import Forbidden, Invalid
from ..i18n import gettext as _
from ..models import Role, Unit, User, utcnow
from .periods import Period, parse_period
from .scores import PARTS, ScoreService

PART_NAMES_ZH = {
    "third_party": "第三方监督",
    "service_recipient": "服务对象测评",
    "democratic": "集中民主评议",
    "routine": "平时工作评价",
}
RATING_ZH = {"excellent": "优秀", "qualified": "合格", "unqualified": "不合格", None: "无数据"}
# A deadline or a meeting further off than this is a typing slip.
FAR = timedelta(days=366)


@dataclass(frozen=True)
class Target:
    """The unit a record is for, its period, and its score row for the period."""

    unit: Unit
    period: Period
    score: dict[str, Any]

    @property
    def rating(self) -> str | None:
        return self.score.get("rating")


def contained_periods(period: Period) -> list[str]:
    """The keys of the period and of the quarters and months within it."""
    keys = [period.key]
    year = period.first_month.year
    first = period.first_month.month
    if period.months == 12:
        keys += [f"{year:04d}-Q{q}" for q in range(1, 5)]
    if period.months >= 3:
        keys += [f"{year:04d}-{m:02d}" for m in range(first, first + period.months)]
    return keys


def problems_text(score: dict[str, Any], qualified: int) -> str:
    """The problems a notice names, from the unit's score: the composite and rating, then each
    part below the qualified band or without data. In Chinese: it is printed on the notice."""
    composite = score["composite"]["value"]
    rating = RATING_ZH.get(score.get("rating"), "无数据")
    lines = [
        f"综合得分{composite:.2f}分，考核等次为“{rating}”。"
        if composite is not None
        else "本期无考核数据，未能评定等次。"
    ]
    for name in PARTS:
        value = score[name]["value"]
        if value is None:
            lines.append(f"{PART_NAMES_ZH[name]}：本期无数据。")
        elif value < qualified:
            lines.append(f"{PART_NAMES_ZH[name]}得分{value:.2f}分，低于合格线{qualified}分。")
    return "\n".join(lines)


def rating_label(rating: str | None) -> str:
    """The rating in the reader's language."""
    labels = {"excellent": _("Excellent"), "qualified": _("Qualified"), "unqualified": _("Unqualified")}
    return labels.get(rating or "", _("no data"))


class Rules:
    """Reads what a consequence is about; the services hold the records."""

    def __init__(self, scores: ScoreService) -> None:
        self.scores = scores
        self.settings = scores.settings
        self.zone = ZoneInfo(self.settings.timezone)

    async def visible_unit_ids(self, user: User) -> set[int]:
        """The units whose records the user may read: the office all, a lead the units of their
        campaigns, a handler their own; anyone else 403."""
        units = await self.scores.visible_units(user)
        if units is None:
            raise Forbidden(
                _("The results of the assessment are for lead leaders, the responsible units and the office.")
            )
        return {unit.id for unit in units}

    @staticmethod
    def require_office(user: User) -> None:
        if user.role != Role.office:
            raise Forbidden(_("The supervision office records what follows from a rating."))

    def period(self, body: Body) -> Period | None:
        raw = body.text("period", 8, required=True)
        if not raw:
            return None
        try:
            return parse_period(raw)
        except Invalid as exc:
            body.errors.add("period", exc.errors[0]["message"])
            return None

    async def target(self, body: Body, period: Period | None) -> Target | None:
        """The unit named by `unit` and its score row, or an error on `unit`."""
        code = body.ref("unit", required=True)
        if not code or period is None:
            return None
        unit = await self.scores.scored_unit(code)
        if unit is None:
            body.errors.add("unit", _("There is no unit %(code)s that the assessment scores.", code=code))
            return None
        (score,) = await self.scores.scores([unit], period)
        return Target(unit, period, score)

    def rating_rule(self, body: Body, target: Target | None, wanted: str) -> str:
        """The override reason; an error on `override_reason` when the rating is not `wanted` and
        none is given."""
        reason = body.text("override_reason", 2000)
        if target is not None and target.rating != wanted and not reason:
            body.errors.add(
                "override_reason",
                _(
                    "%(unit)s is rated %(rating)s in %(period)s, not %(wanted)s: give the reason for acting anyway.",
                    unit=target.unit.code,
                    rating=rating_label(target.rating),
                    period=target.period.key,
                    wanted=rating_label(wanted),
                ),
            )
        return reason

    def moment(self, body: Body, name: str, *, future: bool) -> datetime | None:
        """A time in `name`: an ISO date and time with its offset, or a date (its end for a deadline,
        its start otherwise, by the bureau's clock). A deadline must be in the future and within a
        year; a meeting in the past, within a year."""
        raw = body.data.get(name)
        if raw is None or raw == "":
            body.errors.add(name, _("Required; fill it in."))
            return None
        value: datetime | None = None
        if isinstance(raw, str) and len(raw.strip()) == 10:
            try:
                day = datetime.fromisoformat(raw.strip()).date()
                value = datetime.combine(day, time(23, 59) if future else time(), tzinfo=self.zone)
            except ValueError:
                body.errors.add(name, _("Give a date like 2026-03-01, or a date and time with its offset."))
                return None
        else:
            value = parse_datetime(raw, name, body.errors, max_skew=FAR)
            if value is None:
                return None
        now = utcnow()
        if future and value <= now:
            body.errors.add(name, _("The deadline must be in the future."))
        elif future and value > now + FAR:
            body.errors.add(name, _("The deadline is more than a year away; check the date."))
        elif not future and value > now + timedelta(minutes=self.settings.clock_skew_minutes):
            body.errors.add(name, _("The interview cannot be in the future."))
        elif not future and value < now - FAR:
            body.errors.add(name, _("The interview is more than a year ago; check the date."))
        else:
            return value
        return None
