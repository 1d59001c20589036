"""Who may see which finding (the same covert rule as for checks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from ..checks.access import open_or_disclosed, visible_checks
from ..errors import NotFound
from ..i18n import gettext as _
from ..models import Campaign, Check, Finding, Photo, Rectification, Role, User


def visible_findings(user: User) -> ColumnElement[bool]:
    role = user.role
    if role == Role.office:
        return true()
    if role == Role.lead:
        return Finding.campaign_id.in_(
            select(Campaign.id).where(Campaign.lead_id == user.id)
        ) & open_or_disclosed(Finding)
    if role == Role.handler:
        return (Finding.assigned_unit_id == user.unit_id) & open_or_disclosed(Finding)
    if role in (Role.officer, Role.supervisor):
        return Finding.check_id.in_(select(Check.id).where(Check.author_id == user.id))
    return false()


def visible_photos(user: User) -> Select[tuple[Photo]]:
    """A before-photo is seen by whoever sees its check; an after-photo by whoever sees the
    finding it rectifies. Given to the photo service, which knows neither checks nor findings."""
    return (
        select(Photo)
        .outerjoin(Check, Check.id == Photo.check_id)
        .outerjoin(Rectification, Rectification.id == Photo.rectification_id)
        .outerjoin(Finding, Finding.id == Rectification.finding_id)
        .where(
            or_(
                and_(Photo.check_id.is_not(None), visible_checks(user)),
                and_(Photo.rectification_id.is_not(None), visible_findings(user)),
            )
        )
    )


async def locked_finding(session: Any, user: User, finding_id: int) -> Finding:
    """The finding, locked for the rest of the write transaction; 404 when the user may not see it."""
    finding = await session.scalar(
        select(Finding).where(Finding.id == finding_id, visible_findings(user)).with_for_update(of=Finding)
    )
    if finding is None:
        raise NotFound(_("There is no finding %(id)s that you may see.", id=finding_id))
    return finding
