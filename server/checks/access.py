"""Who may see which check: one rule, used by every list, page and API.

A covert (unannounced) check stays with its author and the supervision office until the
office discloses it; only then can the campaign's lead or the inspected unit see it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from ..models import Campaign, Check, Finding, Role, User


def _open_or_disclosed() -> ColumnElement[bool]:
    return or_(Check.covert.is_(False), Check.disclosed_at.is_not(None))


def visible_checks(user: User) -> ColumnElement[bool]:
    role = user.role
    if role == Role.office:
        return true()
    mine = Check.author_id == user.id
    if role == Role.lead:
        led = select(Campaign.id).where(Campaign.lead_id == user.id)
        return or_(mine, Check.campaign_id.in_(led) & _open_or_disclosed())
    if role == Role.handler:
        theirs = select(Campaign.id).where(Campaign.responsible_unit_id == user.unit_id)
        assigned = exists().where(Finding.check_id == Check.id, Finding.assigned_unit_id == user.unit_id)
        return _open_or_disclosed() & or_(
            Check.campaign_id.in_(theirs), Check.target_unit_id == user.unit_id, assigned
        )
    if role in (Role.officer, Role.supervisor):
        return mine
    return false()
