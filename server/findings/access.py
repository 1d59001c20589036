"""Who may see which finding (the same covert rule as for checks)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from ..models import Campaign, Check, Finding, Role, User


def _open_or_disclosed() -> ColumnElement[bool]:
    return or_(Finding.covert.is_(False), Finding.disclosed_at.is_not(None))


def visible_findings(user: User) -> ColumnElement[bool]:
    role = user.role
    if role == Role.office:
        return true()
    if role == Role.lead:
        return (
            Finding.campaign_id.in_(select(Campaign.id).where(Campaign.lead_id == user.id))
            & _open_or_disclosed()
        )
    if role == Role.handler:
        return (Finding.assigned_unit_id == user.unit_id) & _open_or_disclosed()
    if role in (Role.officer, Role.supervisor):
        return Finding.check_id.in_(select(Check.id).where(Check.author_id == user.id))
    return false()
