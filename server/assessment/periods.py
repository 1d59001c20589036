"""Assessment periods: a year `2026`, a quarter `2026-Q3` or a month `2026-10`, in the bureau's zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from ..errors import Invalid
from ..i18n import gettext as _

# The bounds are instants in the bureau's zone and in UTC: the calendar's first and last years
# have a neighbour no date can hold.
MIN_YEAR, MAX_YEAR = 2, 9998
_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    key: str
    first_month: date
    months: int

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The first instant of the period and of the next, by the bureau's calendar."""
        zone = ZoneInfo(timezone)
        index = self.first_month.year * 12 + self.first_month.month - 1 + self.months
        following = date(index // 12, index % 12 + 1, 1)
        return datetime.combine(self.first_month, time(), tzinfo=zone), datetime.combine(
            following, time(), tzinfo=zone
        )


def parse_period(text: str | None) -> Period:
    """The period named by `text`, or 422 naming `period` with the three forms it may take."""
    match = _PATTERN.match(text or "")
    if match is None or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise Invalid(
            _("period must be a year, a quarter or a month."),
            errors=[{"field": "period", "message": _("For example 2026, 2026-Q3 or 2026-10.")}],
        )
    year = int(match.group(1))
    if match.group(2):
        quarter = int(match.group(2))
        return Period(f"{year:04d}-Q{quarter}", date(year, 3 * quarter - 2, 1), 3)
    if match.group(3):
        month = int(match.group(3))
        return Period(f"{year:04d}-{month:02d}", date(year, month, 1), 1)
    return Period(f"{year:04d}", date(year, 1, 1), 12)
