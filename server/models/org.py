"""Units of the bureau, the people who use Xuncha and their login tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, CodedNamed, UTCDateTime, utcnow
from .enums import Role, UnitKind, values


class Unit(CodedNamed, Base):
    __tablename__ = "units"
    __table_args__ = (CheckConstraint(f"kind IN {tuple(values(UnitKind))}", name="kind"),)

    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The bureau leader in charge of the unit (分管领导). users.unit_id points the other
    # way, so this key is created after both tables.
    leader_in_charge_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_units_leader_in_charge_id_users")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", lazy="raise")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {tuple(values(Role))}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    display_name_en: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set with a one-time password: the next login must choose a new one, before it expires.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the password last changed: the audit trail vouches for this, never for the hash.
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined", innerjoin=True)

    def name(self, lang: str) -> str:
        return (self.display_name_en or self.display_name) if lang == "en" else self.display_name


class AuthToken(Base):
    """A browser session or a program's bearer token; only the token's hash is stored."""

    __tablename__ = "auth_tokens"
    __table_args__ = (CheckConstraint("kind IN ('session', 'bearer')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
