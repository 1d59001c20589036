"""Counters shared by every server process: login failures and request rates per key and window."""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Counter(Base):
    """How often a key was hit in its current window; times are seconds since the epoch (UTC).

    A hit after the window has lapsed starts a new window at one. Rows whose window lapsed
    long ago are purged by a periodic task.
    """

    __tablename__ = "counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[float] = mapped_column(Float)
    window_seconds: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[float] = mapped_column(Float)
