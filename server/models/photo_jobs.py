"""The queue of received photos whose display copy and thumbnail are still to be made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class PhotoJob(Base):
    """One received photo to derive. A worker claims it by setting a lease; the row is deleted in
    the transaction that records the result, so a worker killed mid-way leaves the row behind and
    another takes it once the lease has run out."""

    __tablename__ = "photo_jobs"
    __table_args__ = (Index("ix_photo_jobs_lease_until", "lease_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), unique=True)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    # Null while nobody holds the job; a lease in the past is free for the taking.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
