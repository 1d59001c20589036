"""What a photo's EXIF says of its orientation, capture time and position.

Read from the block Image.open has already parsed with the header, so it costs no decoding: the
server reads it when a photo arrives, before the photo is acknowledged.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from PIL import Image

# What Pillow, its plugins, pillow-heif and imagehash raise on hostile or damaged input. MemoryError is
# deliberately absent: running out of memory is the server's problem, not the photo's.
IMAGE_ERRORS = (
    OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, EOFError,
    OverflowError, AssertionError, RuntimeError, struct.error, Image.DecompressionBombError,
)  # fmt: skip
# The EXIF orientations that turn or mirror the picture (1 leaves it as stored).
TURNING_ORIENTATIONS = frozenset(range(2, 9))
_T = TypeVar("_T")
Position = tuple[float, float] | None


# --- EXIF: orientation, time, position ------------------------------------------------------------------
# Thousands of firmwares and editors write EXIF; anything odd in it costs the photo its time or its
# position, never the upload.

_EXIF_IFD, _GPS_IFD, _OFFSET_TIME = 0x8769, 0x8825, 0x9010
# (timestamp, sub-seconds, its own offset) per source, most trustworthy first.
_TIME_SOURCES = ((0x9003, 0x9291, 0x9011), (0x9004, 0x9292, 0x9012), (0x0132, 0x9290, 0x9010))
_STAMP = re.compile(r"(\d{4})[:-](\d\d)[:-](\d\d)[ T](\d\d):(\d\d):(\d\d)")
_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)")
_PLAUSIBLE_YEARS = (1900, 2999)


def read_exif(im: Image.Image, *, ignore_orientation: bool) -> tuple[int, datetime | None, Position]:
    exif = _quietly(im.getexif)  # parses the EXIF block Image.open already read, not the file again
    if exif is None:
        return 1, None, None
    orientation = exif.get(0x0112)
    if ignore_orientation or not (isinstance(orientation, int) and orientation in TURNING_ORIENTATIONS):
        orientation = 1
    taken_at = _quietly(lambda: _taken_at({**exif, **exif.get_ifd(_EXIF_IFD)}))
    place = _quietly(lambda: position(exif.get_ifd(_GPS_IFD)))
    return orientation, taken_at, place


def _quietly(read: Callable[[], _T]) -> _T | None:
    try:
        return read()
    except IMAGE_ERRORS:
        return None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.strip("\x00 \t\r\n") if isinstance(value, str) else ""


def _taken_at(tags: dict[int, object]) -> datetime | None:
    for stamp_tag, subsec_tag, offset_tag in _TIME_SOURCES:
        match = _STAMP.match(_text(tags.get(stamp_tag)))
        try:
            stamp = datetime(*map(int, match.groups())) if match else None
        except ValueError:  # "0000:00:00 00:00:00", month 13, ...
            stamp = None
        # A clock that says year 1 or 9999 is garbage, and near the ends of datetime's range moving the
        # time to UTC or to the bureau's zone overflows.
        if stamp is None or not _PLAUSIBLE_YEARS[0] <= stamp.year <= _PLAUSIBLE_YEARS[1]:
            continue
        if subsec := re.match(r"\d+", _text(tags.get(subsec_tag))):
            stamp = stamp.replace(microsecond=int(subsec.group()[:6].ljust(6, "0")))
        offset = _OFFSET.fullmatch(_text(tags.get(offset_tag)) or _text(tags.get(_OFFSET_TIME)))
        if offset and int(offset[2]) <= 14 and int(offset[3]) < 60:
            delta = timedelta(hours=int(offset[2]), minutes=int(offset[3]))
            stamp = stamp.replace(tzinfo=timezone(-delta if offset[1] == "-" else delta))
        # Without an offset the time stays naive: the caller reads it in the bureau's time zone.
        return stamp
    return None


def position(gps: dict[int, object]) -> Position:
    if _text(gps.get(9)).upper() == "V":  # GPSStatus "void": the receiver had no fix
        return None
    lat = _coordinate(gps.get(2), gps.get(1), "N", "S", 90.0)
    lon = _coordinate(gps.get(4), gps.get(3), "E", "W", 180.0)
    # (0, 0) is what receivers without a fix write; no position beats one in the Gulf of Guinea.
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        return None
    return lat, lon


def _coordinate(value: object, ref: object, positive: str, negative: str, limit: float) -> float | None:
    """Degrees from (d, m, s), (d, decimal m, 0) or decimal d alone; the sign comes only from the ref."""
    parts = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if value is None or not 1 <= len(parts) <= 3:
        return None
    numbers = [_rational(part, blank_is_zero=index > 0) for index, part in enumerate(parts)]
    if None in numbers:
        return None
    degrees, minutes, seconds = (*numbers, 0.0, 0.0)[:3]
    # Minutes or seconds of 60 or more mean the writer confused the forms; a guess could put the
    # photo kilometres away, so there is no position at all.
    if minutes >= 60 or seconds >= 60:
        return None
    result = degrees + minutes / 60 + seconds / 3600
    sign = _text(ref).upper()
    if result > limit or sign not in ("", positive, negative):
        return None
    return -result if sign == negative else result


def _rational(part: object, *, blank_is_zero: bool) -> float | None:
    # Some cameras write 0/0 for the minutes or seconds they do not use; 0/0 degrees is no position.
    if getattr(part, "denominator", 1) == 0:
        return 0.0 if blank_is_zero and getattr(part, "numerator", None) == 0 else None
    try:
        number = float(part)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    # Negative parts are a signed-degrees writer or garbage; the ref alone carries the sign.
    return number if math.isfinite(number) and number >= 0 else None
