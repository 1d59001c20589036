"""Leases that let one server process at a time run a periodic task."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class TaskLease(Base):
    """Whoever holds a task's lease runs it; the lease lapses by itself, so a crashed holder blocks no one."""

    __tablename__ = "task_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    held_by: Mapped[str] = mapped_column(String(120), default="")
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime)
