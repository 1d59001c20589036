"""WGS-84 <-> GCJ-02 ("Mars coordinates") conversion.

Phones report WGS-84, while the Chinese tile providers (AMap/Gaode, Tencent)
draw their maps in GCJ-02, so a WGS-84 point plotted on their tiles lands a few
hundred metres off. The forward transform is the widely published
reverse-engineered formula on the Krasovsky 1940 ellipsoid; it has no closed
inverse, so the inverse is solved by fixed-point iteration.

All functions take and return (lat, lon), the order used throughout Xuncha.
"""

from __future__ import annotations

import math

__all__ = ["gcj02_to_wgs84", "out_of_china", "wgs84_to_gcj02"]

# Krasovsky 1940: the published GCJ-02 formula is defined on this ellipsoid,
# not on WGS-84; using WGS-84's constants would shift results by metres.
_A = 6378245.0
_EE = 0.00669342162296594323

# Iteration stops once the GCJ-02 residual is below ~1 mm; GCJ-02 offsets vary
# slowly, so this converges in a handful of steps everywhere in China.
_INVERSE_TOLERANCE_DEG = 1e-8
_INVERSE_MAX_ITERATIONS = 30


def out_of_china(lat: float, lon: float) -> bool:
    # The crude bounding box every public implementation uses; matching it keeps
    # our points where AMap/Tencent tiles put them, even near the borders.
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """The (dlat, dlon) in degrees that GCJ-02 adds to a WGS-84 point."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _offset(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    # Subtracting the offset once (the common shortcut) leaves errors of a few
    # metres, enough to put a finding on the wrong side of a street; iterate
    # until the forward transform of our guess reproduces the input.
    wgs_lat, wgs_lon = lat, lon
    for _ in range(_INVERSE_MAX_ITERATIONS):
        gcj_lat, gcj_lon = wgs84_to_gcj02(wgs_lat, wgs_lon)
        err_lat, err_lon = gcj_lat - lat, gcj_lon - lon
        if abs(err_lat) < _INVERSE_TOLERANCE_DEG and abs(err_lon) < _INVERSE_TOLERANCE_DEG:
            break
        wgs_lat -= err_lat
        wgs_lon -= err_lon
    return wgs_lat, wgs_lon
