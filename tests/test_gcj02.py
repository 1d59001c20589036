from __future__ import annotations

import pytest
from geopy.distance import geodesic

from server.maps.gcj02 import gcj02_to_wgs84, out_of_china, wgs84_to_gcj02

# Published (WGS-84 lat, lon) -> (GCJ-02 lat, lon) pairs from independent
# open-source implementations' own test suites, so a typo in our constants
# cannot hide behind a self-consistent round trip.
PUBLISHED_PAIRS = [
    # googollee/eviltransform, python/test.py (also go/transform_test.go): Shanghai
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    # googollee/eviltransform, python/test.py (also go/transform_test.go): Shenzhen
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    # googollee/eviltransform, python/test.py (also go/transform_test.go): Beijing
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    # hujiulong/gcoord, test/unit/crs/WGS84.spec.ts "WGS84 to GCJ02" ([lon, lat] there)
    ((45.0, 123.0), (45.00197815, 123.00607541)),
]

# hujiulong/gcoord, test/unit/crs/GCJ02.spec.ts "GCJ02 to WGS84" ([lon, lat] there):
# an inverse computed by another implementation, not just our own forward run backwards.
PUBLISHED_INVERSE = ((45.0, 123.0), (44.99804071, 122.99395597))

SHIYAN = (32.63, 110.79)

ROUND_TRIP_POINTS = [
    SHIYAN,
    (32.6293, 110.7981),  # Shiyan city centre, the contract's example check
    (39.9042, 116.4074),  # Beijing
    (31.2304, 121.4737),  # Shanghai
    (22.5431, 114.0579),  # Shenzhen
    (30.5928, 114.3055),  # Wuhan
    (43.8256, 87.6168),  # Urumqi, far west
    (45.8038, 126.5350),  # Harbin, far north-east
    (18.2528, 109.5119),  # Sanya, far south
    (29.6520, 91.1721),  # Lhasa
]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).meters


@pytest.mark.parametrize(("wgs", "gcj"), PUBLISHED_PAIRS)
def test_forward_matches_published_pairs(wgs, gcj):
    assert metres(wgs84_to_gcj02(*wgs), gcj) < 1.0


@pytest.mark.parametrize(("wgs", "gcj"), PUBLISHED_PAIRS)
def test_inverse_recovers_published_wgs84(wgs, gcj):
    assert metres(gcj02_to_wgs84(*gcj), wgs) < 1.0


def test_inverse_matches_published_inverse():
    gcj, wgs = PUBLISHED_INVERSE
    assert metres(gcj02_to_wgs84(*gcj), wgs) < 1.0


@pytest.mark.parametrize("point", ROUND_TRIP_POINTS)
def test_round_trip_is_within_half_a_metre(point):
    assert metres(gcj02_to_wgs84(*wgs84_to_gcj02(*point)), point) < 0.5


@pytest.mark.parametrize("point", ROUND_TRIP_POINTS)
def test_inverse_is_tighter_than_the_one_step_shortcut(point):
    # The shortcut (subtract the offset computed at the GCJ-02 point) is off by
    # 0.3-2.5 m across China; a regression to it must fail here.
    gcj = wgs84_to_gcj02(*point)
    fwd = wgs84_to_gcj02(*gcj)
    shortcut = (2 * gcj[0] - fwd[0], 2 * gcj[1] - fwd[1])
    ours = metres(gcj02_to_wgs84(*gcj), point)
    assert ours < 0.01
    assert ours < metres(shortcut, point) / 10


def test_shift_in_shiyan_is_a_few_hundred_metres():
    shift = metres(SHIYAN, wgs84_to_gcj02(*SHIYAN))
    assert 100 < shift < 700


@pytest.mark.parametrize(
    "point",
    [
        (51.5074, -0.1278),  # London
        (40.7128, -74.0060),  # New York
        (-33.8688, 151.2093),  # Sydney
    ],
)
def test_points_outside_china_are_unchanged(point):
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


@pytest.mark.parametrize("point", [SHIYAN, (39.9042, 116.4074), (22.5431, 114.0579)])
def test_points_in_china_are_in_china(point):
    assert not out_of_china(*point)


def test_argument_order_is_lat_lon():
    # Swapping lat and lon in Shiyan would put the point far outside China's box.
    lat, lon = wgs84_to_gcj02(*SHIYAN)
    assert abs(lat - SHIYAN[0]) < 0.01
    assert abs(lon - SHIYAN[1]) < 0.01
