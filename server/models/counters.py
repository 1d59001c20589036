"""Counters shared by every server process: login failures and request rates per key and window."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Integer, String
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


class TransferredRow(Base):
    """A district's row moved into this database by `xuncha transfer`: what it became here.

    Written in the same transaction as the row it maps, so a transfer interrupted anywhere
    resumes where it stopped, and one run again moves nothing twice. action is "inserted"
    (a new row here) or "matched" (the same code or UUID was here already: the same record);
    audited says the inserted row has its entry in this database's audit trail.
    """

    __tablename__ = "transferred_rows"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(10))
    audited: Mapped[bool] = mapped_column(Boolean, default=False)
