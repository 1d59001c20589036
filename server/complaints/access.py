"""Who may see which complaint: the office all; a unit those assigned to it; a lead those of the
campaigns they lead. The complainant's contact is the office's alone (presenters.py)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from ..models import Campaign, Complaint, Role, User


def visible_complaints(user: User) -> ColumnElement[bool]:
    if user.role == Role.office:
        return true()
    if user.role == Role.handler:
        return Complaint.assigned_unit_id == user.unit_id
    if user.role == Role.lead:
        return Complaint.campaign_id.in_(select(Campaign.id).where(Campaign.lead_id == user.id))
    return false()


def sees_contact(user: User) -> bool:
    return user.role == Role.office
