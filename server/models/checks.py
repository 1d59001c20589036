"""Checks recorded in the field, their answers and their photos."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, UUIDStr, utcnow
from .campaigns import Campaign, ChecklistItem, Site
from .enums import CheckKind, CheckStatus, LocationSource, Result, Severity, values
from .org import Unit, User


class Check(Base):
    __tablename__ = "checks"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(values(CheckKind))}", name="kind"),
        CheckConstraint(f"status IN {tuple(values(CheckStatus))}", name="status"),
        CheckConstraint(f"location_source IN {tuple(values(LocationSource))}", name="location_source"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="position"),
        Index("ix_checks_author_recorded", "author_id", "recorded_at"),
        Index("ix_checks_campaign_recorded", "campaign_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDStr, unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    kind: Mapped[str] = mapped_column(String(12))
    # The device's moment of capture, and the offset it was given in, so the page can
    # show the officer's own clock as well as the bureau's.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_offset_min: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str] = mapped_column(String(10))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    target_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # sha256 of the canonical request body: an identical replay is recognised by it.
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    # Covert (unannounced) checks stay hidden from the inspected unit until disclosed.
    covert: Mapped[bool] = mapped_column(Boolean, default=False)
    disclosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disclosed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The campaign's checklist version the check was recorded against (None: before versions).
    checklist_version: Mapped[int | None] = mapped_column(Integer)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined", innerjoin=True)
    campaign: Mapped[Campaign] = relationship(lazy="joined", innerjoin=True)
    site: Mapped[Site | None] = relationship(lazy="joined")
    target_unit: Mapped[Unit | None] = relationship(lazy="joined")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="check", order_by="Answer.position", lazy="raise"
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="check", order_by="Photo.position", lazy="raise"
    )


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("check_id", "item_id", name="uq_answers_check_item"),
        CheckConstraint(f"result IN {tuple(values(Result))}", name="result"),
        CheckConstraint(f"severity IS NULL OR severity IN {tuple(values(Severity))}", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str] = mapped_column(String(4))
    severity: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")

    check: Mapped[Check] = relationship(back_populates="answers", lazy="raise")
    item: Mapped[ChecklistItem] = relationship(lazy="joined", innerjoin=True)


class Photo(Base):
    """A photo declared by a check (or later a rectification) and, once received, its data.

    The row exists from the moment the check names it, so a check knows which photos it
    still waits for; the bytes fill in sha256, size and the EXIF facts when they arrive.
    """

    __tablename__ = "photos"
    __table_args__ = (
        Index("ix_photos_check", "check_id"),
        Index("ix_photos_rectification", "rectification_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDStr, unique=True)
    check_id: Mapped[int | None] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    # An after-photo belongs to a rectification instead of a check.
    rectification_id: Mapped[int | None] = mapped_column(ForeignKey("rectifications.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_items.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    media_type: Mapped[str | None] = mapped_column(String(20))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    phash: Mapped[str | None] = mapped_column(String(16))
    # When and where the photo says it was taken: from the file's EXIF, or, for photos
    # resized on the phone (which drops EXIF), as the phone read them before resizing.
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_at_zone_assumed: Mapped[bool] = mapped_column(Boolean, default=False)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_source: Mapped[str | None] = mapped_column(String(10))
    client_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_lat: Mapped[float | None] = mapped_column(Float)
    client_lon: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    far_from_check: Mapped[bool] = mapped_column(Boolean, default=False)
    # Anti-fake-rectification flags of an after-photo, space-separated codes:
    # far, before_assignment, identical, near_identical, no_position.
    flags: Mapped[str] = mapped_column(String(100), default="")
    # missing (declared, bytes not here), processing (original stored, copies being made in the
    # background), ready (display copy and thumbnail made), undecodable (the original is kept,
    # but no picture could be made of it).
    status: Mapped[str] = mapped_column(String(12), default="missing", server_default="missing")

    check: Mapped[Check | None] = relationship(back_populates="photos", lazy="raise")
    item: Mapped[ChecklistItem | None] = relationship(lazy="joined")

    @property
    def received(self) -> bool:
        return self.received_at is not None
