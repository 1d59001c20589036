"""The JSON shape of a check, shared by the API and the pages' JSON twins."""

from __future__ import annotations

from typing import Any

from ..models import Check
from .service import recorded_local


def _photo(photo: Any) -> dict[str, Any]:
    received = photo.received_at is not None
    body: dict[str, Any] = {
        "uuid": photo.uuid,
        "item": photo.item.code if photo.item else None,
        "received": received,
    }
    if received:
        body.update(
            url=f"/api/v1/photos/{photo.uuid}",
            thumb_url=f"/api/v1/photos/{photo.uuid}?size=thumb",
            sha256=photo.sha256,
            size_bytes=photo.size_bytes,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken_at.isoformat() if photo.taken_at else None,
            exif_location=(
                {"lat": photo.exif_lat, "lon": photo.exif_lon, "source": photo.exif_source}
                if photo.exif_lat is not None
                else None
            ),
            distance_m=round(photo.distance_m, 1) if photo.distance_m is not None else None,
            far_from_check=photo.far_from_check,
        )
    return body


def check_json(check: Check, lang: str, *, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": check.uuid,
        "campaign": check.campaign.code,
        "campaign_name": check.campaign.name(lang),
        "kind": check.kind,
        "status": check.status,
        "recorded_at": recorded_local(check).isoformat(),
        "received_at": check.received_at.isoformat(),
        "author": {"username": check.author.username, "display_name": check.author.name(lang)},
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
    body["photos"] = [_photo(p) for p in check.photos]
    body["missing_photos"] = [p.uuid for p in check.photos if p.received_at is None]
    body["findings"] = [
        {"id": f.id, "item": f.item.code, "severity": f.severity, "status": f.status}
        for f in check.__dict__.get("findings", [])
    ]
    return body
