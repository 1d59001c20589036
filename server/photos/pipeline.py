"""Photo intake: refuse what is not a photo, read EXIF time and position, make clean display copies.

Pure and synchronous (the server runs it in a worker thread). Whatever a client sends comes out as a
ProcessedPhoto or a PhotoRejected, never as another exception (MemoryError aside).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TypeVar

import imagehash
from PIL import Image

try:
    from pillow_heif import register_heif_opener
except (ImportError, OSError):  # OSError: the package is there but its libheif cannot be loaded
    HEIF_SUPPORTED = False
else:
    register_heif_opener()
    HEIF_SUPPORTED = True

_HEIF_TYPES = frozenset({"image/heic", "image/heif"})
ACCEPTED_TYPES: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/webp"}) | (
    _HEIF_TYPES if HEIF_SUPPORTED else frozenset()
)
DISPLAY_LONG_SIDE = 1600
THUMB_LONG_SIDE = 320
JPEG_QUALITY = 82
# Bicubic looks like Lanczos on photos at a third less time; resizing is the biggest cost after decoding.
RESAMPLE = Image.Resampling.BICUBIC
_MB = 1024 * 1024
_MAX_ICC_BYTES = 64 * 1024  # iPhones shoot Display P3, so a profile is worth keeping, unless bloated

# What Pillow, its plugins, pillow-heif and imagehash raise on hostile or damaged input. MemoryError is
# deliberately absent: running out of memory is the server's problem, not the photo's.
_IMAGE_ERRORS = (
    OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, EOFError,
    OverflowError, AssertionError, RuntimeError, struct.error, Image.DecompressionBombError,
)  # fmt: skip
_TRUNCATED = "The photo is incomplete or damaged; please send it again."
_NO_HEIC = "HEIC photos are not supported; set the camera to JPEG (Most Compatible)."
_T = TypeVar("_T")
_Position = tuple[float, float] | None


class PhotoRejected(Exception):
    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    sha256: str
    size_bytes: int
    media_type: str
    width: int
    height: int
    taken_at: datetime | None
    exif_lat: float | None
    exif_lon: float | None
    display_jpeg: bytes = field(repr=False)
    display_width: int
    display_height: int
    thumb_jpeg: bytes = field(repr=False)
    thumb_width: int
    thumb_height: int
    phash: str


def phash_distance(a: str, b: str) -> int:
    """Differing bits between two phash strings; near-identical photos are within about 6."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class PhotoHeader:
    media_type: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def probe_photo(
    data: bytes, declared_type: str, *, max_bytes: int = 20 * _MB, max_pixels: int = 40_000_000
) -> PhotoHeader:
    """Type, size and pixel count from the header alone: what decoding would cost, before paying it."""
    media_type, im = _open_checked(data, declared_type, max_bytes, max_pixels)
    with im:
        return PhotoHeader(media_type, *im.size)


def process_photo(
    data: bytes, declared_type: str, *, max_bytes: int = 20 * _MB, max_pixels: int = 40_000_000
) -> ProcessedPhoto:
    media_type, im = _open_checked(data, declared_type, max_bytes, max_pixels)
    header_size = im.size  # drafting shrinks im.size; the header's size is what the camera recorded

    # Past the header, any failure means the body was cut short or is damaged inside.
    with _refuse(422, "truncated", _TRUNCATED):
        rgb = _decode_to_size(im, _fit(im.size, DISPLAY_LONG_SIDE))
        # pillow-heif has already applied the container's rotation; the EXIF tag is only informational.
        orientation, taken_at, position = _read_exif(im, ignore_orientation=media_type in _HEIF_TYPES)
        display = _transpose(rgb, orientation)
        thumb = display.resize(_fit(display.size, THUMB_LONG_SIDE), RESAMPLE, reducing_gap=2.0)
        icc = _keepable_icc(im)
        display_jpeg, thumb_jpeg = _encode_jpeg(display, icc), _encode_jpeg(thumb, icc)
        phash = str(imagehash.phash(thumb))

    width, height = header_size[::-1] if orientation in (5, 6, 7, 8) else header_size
    return ProcessedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        media_type=media_type,
        width=width,
        height=height,
        taken_at=taken_at,
        exif_lat=position[0] if position else None,
        exif_lon=position[1] if position else None,
        display_jpeg=display_jpeg,
        display_width=display.width,
        display_height=display.height,
        thumb_jpeg=thumb_jpeg,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        phash=phash,
    )


def _open_checked(
    data: bytes, declared_type: str, max_bytes: int, max_pixels: int
) -> tuple[str, Image.Image]:
    _check_declared_type(declared_type)
    if len(data) > max_bytes:
        size, limit = f"{len(data) / _MB:.1f}", f"{max_bytes / _MB:g}"
        raise PhotoRejected(413, "too_large", f"The photo is {size} MB; the limit is {limit} MB.")
    media_type = _sniff(data)
    return media_type, _open(data, media_type, max_pixels)


@contextmanager
def _refuse(status_code: int, code: str, message: str) -> Iterator[None]:
    try:
        yield
    except _IMAGE_ERRORS as exc:
        raise PhotoRejected(status_code, code, message) from exc


# --- type sniffing and limits ---------------------------------------------------------------------------

_PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF",
                  "image/heif": "HEIF"}  # fmt: skip
_HEVC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}


def _check_declared_type(declared_type: str) -> None:
    media_type = declared_type.split(";", 1)[0].strip().lower()
    if media_type in _HEIF_TYPES and not HEIF_SUPPORTED:
        raise PhotoRejected(415, "unsupported_type", _NO_HEIC)
    if media_type not in ACCEPTED_TYPES:
        kinds = "JPEG, PNG, WebP or HEIC" if HEIF_SUPPORTED else "JPEG, PNG or WebP"
        raise PhotoRejected(415, "unsupported_type", f"This file type is not accepted; send a {kinds} photo.")


def _sniff(data: bytes) -> str:
    media_type = None
    if data.startswith(b"\xff\xd8\xff"):
        media_type = "image/jpeg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        media_type = "image/png"
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        media_type = "image/webp"
    elif data[4:8] == b"ftyp":
        box_end = min(int.from_bytes(data[:4], "big"), len(data), 256)
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_end - 3, 4)}
        if brands & _HEVC_BRANDS:
            media_type = "image/heic"
        # AVIF shares the generic HEIF brands, but pillow-heif 1.x no longer decodes it.
        elif brands & {b"mif1", b"msf1", b"mif2"} and not brands & {b"avif", b"avis"}:
            media_type = "image/heif"
    if media_type is None:
        message = "The upload is empty." if not data else "The file is not a JPEG, PNG, WebP or HEIC photo."
        raise PhotoRejected(422, "not_an_image", message)
    if media_type in _HEIF_TYPES and not HEIF_SUPPORTED:
        raise PhotoRejected(415, "unsupported_type", _NO_HEIC)
    return media_type


def _open(data: bytes, media_type: str, max_pixels: int) -> Image.Image:
    # Never above Pillow's own bomb limit, so its DecompressionBombWarning can only precede a refusal.
    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    too_many = f"the limit is {limit / 1e6:.0f} megapixels."
    if media_type in _HEIF_TYPES and not _boxes_complete(data):
        # libheif paints missing tiles green instead of failing, so a cut-off HEIC is caught here.
        raise PhotoRejected(422, "truncated", _TRUNCATED)
    try:
        # Image.open reads only the header; no pixel is decoded before the size check below.
        im = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[media_type]])
    except Image.DecompressionBombError as exc:
        raise PhotoRejected(422, "too_many_pixels", f"The photo has too many pixels; {too_many}") from exc
    except _IMAGE_ERRORS as exc:
        raise PhotoRejected(422, "not_an_image", "The file is not a readable photo.") from exc
    width, height = im.size
    if width < 1 or height < 1:
        raise PhotoRejected(422, "not_an_image", "The file is not a readable photo.")
    if width * height > limit:
        raise PhotoRejected(422, "too_many_pixels", f"The photo is {width} x {height} pixels; {too_many}")
    return im


def _boxes_complete(data: bytes) -> bool:
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        if size == 1:  # a 64-bit size follows the box type
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:  # the box runs to the end of the file
            return True
        if size < 8:
            return False
        offset += size
    return offset <= len(data)


# --- decoding and outputs -------------------------------------------------------------------------------

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}  # fmt: skip


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    scale = min(1.0, long_side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _decode_to_size(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    # A JPEG (or MPO, its multi-picture form) decodes directly at 1/2, 1/4 or 1/8 scale; draft picks the
    # smallest that still covers `size`, so a phone photo is never expanded to full size in memory.
    # Not HEIF: pillow-heif's draft swaps in an embedded thumbnail, which need not show the same picture.
    if im.format in ("JPEG", "MPO"):
        im.draft("RGB", size)
    im.load()
    rgb = _to_rgb(im)
    # reducing_gap=1 gives other formats the same cheap integer pre-shrink that draft gives JPEG.
    return rgb if rgb.size == size else rgb.resize(size, RESAMPLE, reducing_gap=1.0)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.has_transparency_data:
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", im.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode.startswith("I;16"):
        # Plain conversion clips 16-bit samples at 255, which turns the picture white; scale instead.
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return im if im.mode == "RGB" else im.convert("RGB")


def _transpose(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


def _keepable_icc(im: Image.Image) -> bytes | None:
    icc = im.info.get("icc_profile")
    # Only an RGB profile describes the RGB output; a CMYK or grey one would miscolour it.
    if isinstance(icc, bytes) and len(icc) <= _MAX_ICC_BYTES and icc[16:20] == b"RGB ":
        return icc
    return None


def _encode_jpeg(im: Image.Image, icc: bytes | None) -> bytes:
    # resize/transpose copy info (exif, xmp, comment) and the JPEG writer picks up the comment from it.
    im.info = {}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=JPEG_QUALITY, icc_profile=icc)
    return out.getvalue()


# --- EXIF: orientation, time, position ------------------------------------------------------------------
# Thousands of firmwares and editors write EXIF; anything odd in it costs the photo its time or its
# position, never the upload.

_EXIF_IFD, _GPS_IFD, _OFFSET_TIME = 0x8769, 0x8825, 0x9010
# (timestamp, sub-seconds, its own offset) per source, most trustworthy first.
_TIME_SOURCES = ((0x9003, 0x9291, 0x9011), (0x9004, 0x9292, 0x9012), (0x0132, 0x9290, 0x9010))
_STAMP = re.compile(r"(\d{4})[:-](\d\d)[:-](\d\d)[ T](\d\d):(\d\d):(\d\d)")
_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)")
_PLAUSIBLE_YEARS = (1900, 2999)


def _read_exif(im: Image.Image, *, ignore_orientation: bool) -> tuple[int, datetime | None, _Position]:
    exif = _quietly(im.getexif)  # parses the EXIF block Image.open already read, not the file again
    if exif is None:
        return 1, None, None
    orientation = exif.get(0x0112)
    if ignore_orientation or not (isinstance(orientation, int) and orientation in _TRANSPOSE):
        orientation = 1
    taken_at = _quietly(lambda: _taken_at({**exif, **exif.get_ifd(_EXIF_IFD)}))
    position = _quietly(lambda: _position(exif.get_ifd(_GPS_IFD)))
    return orientation, taken_at, position


def _quietly(read: Callable[[], _T]) -> _T | None:
    try:
        return read()
    except _IMAGE_ERRORS:
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


def _position(gps: dict[int, object]) -> _Position:
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
