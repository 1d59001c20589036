"""The bureau's bulletins (通报): monthly, quarterly and annual, bureau-wide or for one campaign."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

BULLETIN_KINDS = ("monthly", "quarterly", "annual")
BULLETIN_STATUSES = ("draft", "published")


class Bulletin(Base):
    """A bulletin's figures, computed when drafted or regenerated and frozen when published: the
    page, the PDF and the XLSX are all drawn from `figures`, never from the records again."""

    __tablename__ = "bulletins"
    __table_args__ = (
        CheckConstraint(f"kind IN {BULLETIN_KINDS}", name="kind"),
        CheckConstraint(f"status IN {BULLETIN_STATUSES}", name="status"),
        Index("ix_bulletins_period", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    # As parse_period writes it: "2026", "2026-Q3" or "2026-10".
    period: Mapped[str] = mapped_column(String(8))
    # None: the bureau-wide bulletin.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Canonical JSON of the sections (server/bulletins/figures.py).
    figures: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def figures_sha256(self) -> str:
        """What the audit trail vouches for: the figures changed outside the app break the chain."""
        return hashlib.sha256(self.figures.encode()).hexdigest()
