"""Distances on the ellipsoid (geopy's geodesic), and the sanity of a position."""

from __future__ import annotations

import math

from geopy.distance import geodesic


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(geodesic((lat1, lon1), (lat2, lon2)).meters)


def valid_position(lat: object, lon: object) -> bool:
    return (
        isinstance(lat, int | float)
        and isinstance(lon, int | float)
        and not isinstance(lat, bool)
        and not isinstance(lon, bool)
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    )


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A box that surely contains the circle, for a cheap index prefilter before geodesic."""
    dlat = radius_m / 110_574.0 * 1.01
    cos_lat = max(math.cos(math.radians(lat)), 0.01)
    dlon = radius_m / (111_320.0 * cos_lat) * 1.01
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
