"""The JSON shape of a check, shared by the API and the pages' JSON twins."""

from __future__ import annotations

from typing import Any

from ..i18n import gettext
from ..labels import N_
from ..models import Check, CheckKind, Role, UnitKind, User
from ..photos.presenters import photo_json
from .service import recorded_local

COVERT_SOURCE = N_("Third-party unannounced check")


def check_photo_json(photo: Any) -> dict[str, Any]:
    """The photo's one shape, with the item it shows and whether it was taken far from the check."""
    return photo_json(photo) | {
        "item": photo.item.code if photo.item else None,
        "far_from_check": photo.far_from_check,
    }


def shows_author(check: Check, viewer: User | None) -> bool:
    """Who ran an unannounced check is for its author, the office and the lead: the inspected unit
    (and anyone else) learns only that it was a third party's, or which organisation's."""
    if check.kind != CheckKind.unannounced:
        return True
    return viewer is not None and (viewer.role in (Role.office, Role.lead) or viewer.id == check.author_id)


def author_name(check: Check, viewer: User | None, lang: str) -> str:
    if shows_author(check, viewer):
        return check.author.name(lang)
    unit = check.author.unit
    if unit.kind == UnitKind.third_party:
        return unit.name(lang)
    return gettext(COVERT_SOURCE)


def check_json(check: Check, lang: str, *, full: bool, viewer: User | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": check.uuid,
        "campaign": check.campaign.code,
        "campaign_name": check.campaign.name(lang),
        "kind": check.kind,
        "status": check.status,
        "recorded_at": recorded_local(check).isoformat(),
        "received_at": check.received_at.isoformat(),
        "author": {
            "username": check.author.username if shows_author(check, viewer) else None,
            "display_name": author_name(check, viewer, lang),
        },
        "location": {
            "lat": check.lat,
            "lon": check.lon,
            "accuracy_m": check.accuracy_m,
            "source": check.location_source,
        },
        "site": {"code": check.site.code, "name": check.site.name(lang)} if check.site else None,
        "target_unit": {"code": check.target_unit.code, "name": check.target_unit.name(lang)}
        if check.target_unit
        else None,
        "note": check.note,
        "covert": check.covert,
        "disclosed_at": check.disclosed_at.isoformat() if check.disclosed_at else None,
    }
    if not full:
        body["finding_count"] = check.__dict__.get("finding_count", 0)
        return body
    body["answers"] = [
        {
            "item": a.item.code,
            "text": a.item.text(lang),
            "result": a.result,
            "severity": a.severity,
            "note": a.note,
        }
        for a in check.answers
    ]
    body["photos"] = [check_photo_json(p) for p in check.photos]
    body["missing_photos"] = [p.uuid for p in check.photos if p.received_at is None]
    body["findings"] = [
        {"id": f.id, "item": f.item.code, "severity": f.severity, "status": f.status}
        for f in check.__dict__.get("findings", [])
    ]
    return body
