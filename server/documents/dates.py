"""Dates as Chinese official documents print them (GB/T 9704)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# China has no daylight saving time, so a fixed offset is exact and needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8))


def format_date(moment: datetime, with_time: bool = False) -> str:
    # Aware times (the server's UTC) are shown in Beijing time; naive ones are taken as local already.
    m = moment.astimezone(CHINA_TZ) if moment.tzinfo else moment
    # GB/T 9704: year in full, month and day without a leading zero.
    return f"{m.year}年{m.month}月{m.day}日" + (f" {m:%H:%M}" if with_time else "")


def format_datetime(moment: datetime) -> str:
    return format_date(moment, with_time=True)
