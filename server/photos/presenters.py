"""The one JSON shape of a photo, wherever it appears: a receipt, a check, a finding, a unit's list."""

from __future__ import annotations

from typing import Any

from ..models import Photo


def photo_json(photo: Photo) -> dict[str, Any]:
    """What is known of the photo; the bytes' facts and URLs stay null until they are received.
    The URLs answer 409 with code photo_processing while the status is "processing"."""
    received = photo.received_at is not None
    lat, lon = photo.exif_lat, photo.exif_lon
    return {
        "uuid": photo.uuid,
        "received": received,
        # missing, processing (the display copy and thumbnail are being made), ready, undecodable
        "status": photo.status if received else "missing",
        "url": f"/api/v1/photos/{photo.uuid}" if received else None,
        "thumb_url": f"/api/v1/photos/{photo.uuid}?size=thumb" if received else None,
        "sha256": photo.sha256,
        "size_bytes": photo.size_bytes,
        "width": photo.width,
        "height": photo.height,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "exif_location": (
            {"lat": lat, "lon": lon, "source": photo.exif_source}
            if lat is not None and lon is not None
            else None
        ),
        "distance_m": round(photo.distance_m, 1) if photo.distance_m is not None else None,
        "flags": photo.flags.split() if photo.flags else [],
    }
