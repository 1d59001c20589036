"""The office's administration: each change in one transaction, in the audit trail, then
the caches that hold the old state (reference data, resolved sessions) are told."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import delete, func, select

from ..accounts.service import AccountService
from ..audit.chain import AuditLog
from ..campaigns.service import CampaignService
from ..db import Database
from ..errors import Invalid
from ..i18n import gettext as _
from ..models import AuthToken, Campaign, ChecklistVersion, ContactPoint, Site, Unit, User, utcnow
from . import campaigns as campaign_rules
from . import imports, org, supervision
from .passwords import new_password_problem
from .registry import Registry

T = TypeVar("T")


class DryRun(Exception):
    """Raised inside the transaction to roll it back, carrying what would have happened."""

    def __init__(self, result: Any) -> None:
        self.result = result


class AdminService:
    def __init__(self, db: Database, accounts: AccountService, campaigns: CampaignService) -> None:
        self.db = db
        self.accounts = accounts
        self.campaigns = campaigns

    async def run(
        self, actor_id: int | None, change: Callable[[Registry], Awaitable[T]], *, dry_run: bool = False
    ) -> T:
        reg: Registry | None = None
        try:
            async with self.db.write() as session:
                reg = Registry(
                    session, AuditLog(actor_id=actor_id), actor_id, passwords=self.accounts.passwords
                )
                result = await change(reg)
                if dry_run:
                    raise DryRun(result)
                if reg.revoke_users:
                    await session.execute(delete(AuthToken).where(AuthToken.user_id.in_(reg.revoke_users)))
                await reg.audit.write(session)
        except DryRun as done:
            return done.result  # type: ignore[no-any-return]
        await self._after(reg)
        return result

    async def _after(self, reg: Registry | None) -> None:
        if reg is None:
            return
        if reg.reference_changed:
            self.campaigns.invalidate()
        for user_id in reg.touched_users | reg.revoke_users:
            self.accounts.forget_user(user_id)
        revoke_all = getattr(self.accounts, "revoke_all", None)
        for user_id in reg.revoke_users:
            if revoke_all is not None:
                await revoke_all(user_id)

    # --- changes -----------------------------------------------------------------------

    async def put_unit(self, actor: User, code: str, data: Any) -> str:
        return await self.run(actor.id, lambda reg: org.put_unit(reg, code, data))

    async def put_user(self, actor: User, username: str, data: Any) -> tuple[str, dict[str, Any] | None]:
        return await self.run(actor.id, lambda reg: org.put_user(reg, username, data))

    async def reset_password(self, actor: User, username: str) -> dict[str, Any]:
        return await self.run(actor.id, lambda reg: org.reset_password(reg, username))

    async def put_campaign(self, actor: User, code: str, data: Any) -> str:
        return await self.run(actor.id, lambda reg: campaign_rules.put_campaign(reg, code, data))

    async def put_checklist(self, actor: User, code: str, data: Any) -> tuple[str, int]:
        return await self.run(actor.id, lambda reg: campaign_rules.put_checklist(reg, code, data))

    async def put_site(self, actor: User, code: str, data: Any) -> str:
        return await self.run(actor.id, lambda reg: campaign_rules.put_site(reg, code, data))

    async def put_contact_points(self, actor: User, username: str, data: Any) -> str:
        return await self.run(actor.id, lambda reg: supervision.put_contact_points(reg, username, data))

    async def import_file(
        self, actor_id: int | None, kind: str, content: bytes, *, dry_run: bool = False
    ) -> dict[str, Any]:
        rows = imports.read_rows(kind, content)
        result = await self.run(actor_id, lambda reg: imports.apply_rows(reg, kind, rows), dry_run=dry_run)
        return result.as_json(dry_run)

    # --- reading -----------------------------------------------------------------------

    async def units(self) -> list[Unit]:
        async with self.db.read() as session:
            return list((await session.scalars(select(Unit).order_by(Unit.code))).all())

    async def users(self) -> list[User]:
        async with self.db.read() as session:
            return list((await session.scalars(select(User).order_by(User.username))).unique().all())

    async def campaign_list(self) -> list[tuple[Campaign, int]]:
        async with self.db.read() as session:
            versions = dict(
                (
                    await session.execute(
                        select(ChecklistVersion.campaign_id, func.max(ChecklistVersion.number)).group_by(
                            ChecklistVersion.campaign_id
                        )
                    )
                ).all()
            )
            rows = (
                (await session.scalars(select(Campaign).order_by(Campaign.position, Campaign.id)))
                .unique()
                .all()
            )
        return [(c, versions.get(c.id, 0)) for c in rows]

    async def sites(self, limit: int = 10_000) -> list[Site]:
        async with self.db.read() as session:
            return list((await session.scalars(select(Site).order_by(Site.code).limit(limit))).unique().all())

    async def contact_points(self) -> dict[int, list[ContactPoint]]:
        async with self.db.read() as session:
            rows = (
                await session.scalars(
                    select(ContactPoint).where(ContactPoint.active).order_by(ContactPoint.id)
                )
            ).all()
        by_leader: dict[int, list[ContactPoint]] = {}
        for row in rows:
            by_leader.setdefault(row.leader_id, []).append(row)
        return by_leader

    async def change_own_password(self, user: User, current: str, new: str) -> None:
        errors = []
        if not await self.accounts.passwords.verify(user.password_hash, current):
            errors.append({"field": "current", "message": _("This is not your current password.")})
        problem = new_password_problem(new, user.username)
        if problem:
            errors.append({"field": "new", "message": problem})
        elif new == current:
            errors.append({"field": "new", "message": _("Choose a password different from the current one.")})
        if errors:
            raise Invalid(_("The password was not changed."), errors=errors)
        hashed = await self.accounts.passwords.hash(new)
        async with self.db.write() as session:
            row = await session.scalar(select(User).where(User.id == user.id))
            assert row is not None
            row.password_hash = hashed
            row.must_change_password = False
            row.password_expires_at = None
            row.password_set_at = utcnow()
            audit = AuditLog(actor_id=user.id)
            audit.record("user.password_changed", "user", row)
            await audit.write(session)
        self.accounts.forget_user(user.id)
