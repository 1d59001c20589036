"""What an administration change is checked against, loaded once per transaction.

An import of thousands of rows asks "does this unit exist?" thousands of times; the
registry answers from dictionaries filled on first use and kept current as rows are
added, so a row may refer to one created earlier in the same file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit.chain import AuditLog
from ..models import Campaign, Site, Unit, User


@dataclass
class Registry:
    session: AsyncSession
    audit: AuditLog
    actor_id: int | None
    _units: dict[str, Unit] | None = None
    _users: dict[str, User] | None = None
    _sites: dict[str, Site] | None = None
    _campaigns: dict[str, Campaign] | None = None
    passwords: Any = None
    # Accounts whose cached sessions must be forgotten, and whose tokens end, at commit.
    touched_users: set[int] = field(default_factory=set)
    revoke_users: set[int] = field(default_factory=set)
    reference_changed: bool = False
    notes: list[dict[str, Any]] = field(default_factory=list)

    async def units(self) -> dict[str, Unit]:
        if self._units is None:
            self._units = {u.code: u for u in (await self.session.scalars(select(Unit))).all()}
        return self._units

    async def users(self) -> dict[str, User]:
        if self._users is None:
            self._users = {u.username: u for u in (await self.session.scalars(select(User))).unique().all()}
        return self._users

    async def sites(self) -> dict[str, Site]:
        if self._sites is None:
            self._sites = {s.code: s for s in (await self.session.scalars(select(Site))).unique().all()}
        return self._sites

    async def campaigns(self) -> dict[str, Campaign]:
        if self._campaigns is None:
            self._campaigns = {
                c.code: c for c in (await self.session.scalars(select(Campaign))).unique().all()
            }
        return self._campaigns


def apply(row: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when any did."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed
