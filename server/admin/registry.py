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
from ..checks.schemas import Errors
from ..i18n import gettext as _
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

    async def _load(self, attr: str, model: Any, key: str) -> dict[str, Any]:
        cached = getattr(self, attr)
        if cached is None:
            rows = (await self.session.scalars(select(model))).unique().all()
            cached = {getattr(r, key): r for r in rows}
            setattr(self, attr, cached)
        return cached

    async def units(self) -> dict[str, Unit]:
        return await self._load("_units", Unit, "code")

    async def users(self) -> dict[str, User]:
        return await self._load("_users", User, "username")

    async def sites(self) -> dict[str, Site]:
        return await self._load("_sites", Site, "code")

    async def campaigns(self) -> dict[str, Campaign]:
        return await self._load("_campaigns", Campaign, "code")

    async def active_unit(self, code: str | None, errors: Errors, field: str) -> Unit | None:
        """The unit a record refers to by code; a missing or retired one is `field`'s error."""
        unit = (await self.units()).get(code) if code else None
        if code and (unit is None or not unit.active):
            errors.add(field, _("Unknown or retired unit %(code)s.", code=code))
        return unit


def apply(row: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when any did."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def update(reg: Registry, row: Any, kind: str, values: dict[str, Any]) -> str:
    """Apply `values` to an existing record and audit it, a retirement by that name."""
    was_active = row.active
    if not apply(row, values):
        return "unchanged"
    reg.audit.record(f"{kind}.retired" if was_active and not row.active else f"{kind}.updated", kind, row)
    return "updated"


async def save(
    reg: Registry,
    kind: str,
    model: Any,
    rows: dict[str, Any],
    code: str,
    values: dict[str, Any],
    **on_create: Any,
) -> str:
    """Create the reference record `code` or update it: "created", "updated" or "unchanged"."""
    row = rows.get(code)
    if row is None:
        row = rows[code] = model(code=code, **on_create, **values)
        reg.session.add(row)
        await reg.session.flush()
        reg.audit.record(f"{kind}.created", kind, row)
        reg.reference_changed = True
        return "created"
    outcome = update(reg, row, kind, values)
    reg.reference_changed |= outcome == "updated"
    return outcome
