"""Who may see which check: one rule, used by every list, page and API.

A covert (unannounced) check stays with its author and the supervision office until the
office discloses it; only then can the campaign's lead or the inspected unit see it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from ..models import Campaign, Check, Finding, Role, User


def open_or_disclosed(record: type[Check] | type[Finding]) -> ColumnElement[bool]:
    """Not covert, or covert and disclosed by the office: a check and its findings alike."""
    return or_(record.covert.is_(False), record.disclosed_at.is_not(None))


def visible_checks(user: User) -> ColumnElement[bool]:
    role = user.role
    if role == Role.office:
        return true()
    mine = Check.author_id == user.id
    if role == Role.lead:
        led = select(Campaign.id).where(Campaign.lead_id == user.id)
        return or_(mine, Check.campaign_id.in_(led) & open_or_disclosed(Check))
    if role == Role.handler:
        theirs = select(Campaign.id).where(Campaign.responsible_unit_id == user.unit_id)
        # Aliased and correlated to the check only, so that the rule still works in a query
        # that has findings of its own in its FROM (a rectification photo's finding, say).
        finding = aliased(Finding)
        assigned = (
            exists()
            .where(finding.check_id == Check.id, finding.assigned_unit_id == user.unit_id)
            .correlate(Check)
        )
        return open_or_disclosed(Check) & or_(
            Check.campaign_id.in_(theirs), Check.target_unit_id == user.unit_id, assigned
        )
    if role in (Role.officer, Role.supervisor):
        return mine
    return false()
