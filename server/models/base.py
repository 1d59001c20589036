"""Declarative base, naming conventions and the column types every model shares."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both databases.

    SQLite keeps no zone, so everything is stored as UTC; a naive value is a bug in
    the caller and is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


UUIDStr = String(36)


class CodedNamed:
    """The first columns of a record known by a unique code and named in both languages (units,
    campaigns, sites), and its name in the reader's language."""

    # First in the table, where the migrations put them.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-4)
    code: Mapped[str] = mapped_column(String(40), unique=True, sort_order=-3)
    name_zh: Mapped[str] = mapped_column(String(120), sort_order=-2)
    name_en: Mapped[str] = mapped_column(String(160), sort_order=-1)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


class StatusEvent:
    """The columns every step in the history of a finding or a complaint has: when, by whom, what,
    and the unit and deadline it set. Each history adds its subject, its statuses and its detail."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)  # first, as in the migrations
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChosenUnit:
    """A unit its owner chose, once (a duty's chosen units, a leader's contact points): the owner's
    column, and the pair's uniqueness, are the table's own."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)  # first, as in the migrations
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
