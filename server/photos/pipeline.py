"""Photo intake: refuse what is not a photo, read EXIF time and position, make clean display copies.

Pure and synchronous (the server runs it in a worker thread). Whatever a client sends comes out as a
ProcessedPhoto or a PhotoRejected, never as another exception (MemoryError aside).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import imagehash
from PIL import Image

from .exif import IMAGE_ERRORS as _IMAGE_ERRORS
from .exif import position as _position  # noqa: F401  (tests read positions through the pipeline)
from .exif import read_exif as _read_exif
from .jpeg import jpeg_complete, without_metadata

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
# The display copy is at most the size the phone sends (static/js/field-kit.js), so that a photo the
# phone has shrunk is shown as it was sent, with only its metadata left out (jpeg.py): no
# decoding, resizing or encoding for the copy, and no generation of JPEG loss.
DISPLAY_LONG_SIDE = 2048
THUMB_LONG_SIDE = 320
JPEG_QUALITY = 82
# For the other photos (a camera's own file, a turned one, PNG, HEIC), resizing is the biggest cost
# of making the copies. After draft's DCT scaling the display copy is always a reduction by less than
# 2, where Hamming's one-pixel support stays 40-48 dB from Lanczos (bicubic: 47-53 dB;
# benchmarks/photo_stages.py): no visible difference, at about 60 % of bicubic's cost.
RESAMPLE = Image.Resampling.HAMMING
# A thumbnail is reduced by averaging whole blocks of pixels first, then a light resampling of the
# remainder: 1.5 ms instead of 6 for a full bicubic pass.
THUMB_REDUCING_GAP = 1.0
_MB = 1024 * 1024
_MAX_ICC_BYTES = 64 * 1024  # iPhones shoot Display P3, so a profile is worth keeping, unless bloated

_TRUNCATED = "The photo is incomplete or damaged; please send it again."
_NO_HEIC = "HEIC photos are not supported; set the camera to JPEG (Most Compatible)."


class PhotoRejected(Exception):
    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo says of itself without decoding a pixel: enough to acknowledge it."""

    sha256: str
    size_bytes: int
    media_type: str
    width: int  # as shown, after the EXIF orientation
    height: int
    pixels: int
    taken_at: datetime | None
    exif_lat: float | None
    exif_lon: float | None


@dataclass(frozen=True)
class SentPhoto:
    """A photo as a client sent it: the UUID its check or rectification declared, the type it
    gave, its bytes, and, from a plain form, what was already read from its header."""

    uuid: str
    content_type: str | None
    data: bytes = field(repr=False)
    facts: PhotoFacts | None = None


@dataclass(frozen=True)
class ProcessedPhoto(PhotoFacts):
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


def inspect_photo(
    data: bytes, declared_type: str, *, max_bytes: int = 20 * _MB, max_pixels: int = 40_000_000
) -> PhotoFacts:
    """Type, size, pixel count, that the file runs to its end, and the EXIF time and position, from
    the header and the file's structure: what a photo must pass to be acknowledged, with the same
    refusals (413, 415, 422) as decoding it would give, at a small fraction of the cost."""
    media_type, im = _open_checked(data, declared_type, max_bytes, max_pixels)
    with im:
        if not _runs_to_its_end(data, media_type):
            raise PhotoRejected(422, "truncated", _TRUNCATED)
        orientation, taken_at, position = _read_exif(im, ignore_orientation=media_type in _HEIF_TYPES)
        return _facts(data, media_type, im.size, orientation, taken_at, position)


def _facts(
    data: bytes,
    media_type: str,
    header_size: tuple[int, int],
    orientation: int,
    taken_at: datetime | None,
    position: tuple[float, float] | None,
    sha256: str | None = None,
) -> PhotoFacts:
    width, height = header_size[::-1] if orientation in (5, 6, 7, 8) else header_size
    return PhotoFacts(
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        media_type=media_type,
        width=width,
        height=height,
        pixels=width * height,
        taken_at=taken_at,
        exif_lat=position[0] if position else None,
        exif_lon=position[1] if position else None,
    )


def _runs_to_its_end(data: bytes, media_type: str) -> bool:
    """Whether the file's own structure says it is whole: an upload cut off half-way is refused at
    once (the phone sends it again), not acknowledged and found undecodable later."""
    if media_type == "image/jpeg":
        return jpeg_complete(data)
    if media_type == "image/png":
        return data.find(b"IEND", 8) != -1
    if media_type == "image/webp":
        return int.from_bytes(data[4:8], "little") + 8 <= len(data)
    return True  # HEIF: its boxes were measured when it was opened


def process_photo(
    data: bytes,
    declared_type: str,
    *,
    max_bytes: int = 20 * _MB,
    max_pixels: int = 40_000_000,
    sha256: str | None = None,
) -> ProcessedPhoto:
    """The photo's facts, display copy, thumbnail and phash. `sha256`: the digest of `data` when the
    caller already has it (a stored original is named by it), so that it is not computed again."""
    media_type, im = _open_checked(data, declared_type, max_bytes, max_pixels)
    header_size = im.size  # drafting shrinks im.size; the header's size is what the camera recorded

    # Past the header, any failure means the body was cut short or is damaged inside.
    with _refuse(422, "truncated", _TRUNCATED):
        icc = _keepable_icc(im)
        as_sent = _as_sent(data, im, icc)
        if as_sent is None:
            rgb = _decode_to_size(im, _fit(im.size, DISPLAY_LONG_SIDE))
        # After decoding: a PNG's EXIF may follow its pixels, and reading it would decode them.
        # pillow-heif has already applied the container's rotation; the EXIF tag is only informational.
        orientation, taken_at, position = _read_exif(im, ignore_orientation=media_type in _HEIF_TYPES)
        if as_sent is not None:
            # Decoding the copy itself (at a quarter or an eighth of its size) for the thumbnail
            # proves that what will be shown decodes.
            display_jpeg, display_size = as_sent, header_size
            copy = Image.open(io.BytesIO(as_sent), formats=["JPEG"])
            thumb = _decode_to_size(copy, _fit(header_size, THUMB_LONG_SIDE))
        else:
            display = _transpose(rgb, orientation)
            display_jpeg, display_size = _encode_jpeg(display, icc), display.size
            thumb = display.resize(
                _fit(display.size, THUMB_LONG_SIDE), RESAMPLE, reducing_gap=THUMB_REDUCING_GAP
            )
        thumb_jpeg = _encode_jpeg(thumb, icc)
        phash = str(imagehash.phash(thumb))

    return ProcessedPhoto(
        **vars(_facts(data, media_type, header_size, orientation, taken_at, position, sha256)),
        display_jpeg=display_jpeg,
        display_width=display_size[0],
        display_height=display_size[1],
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


def _as_sent(data: bytes, im: Image.Image, icc: bytes | None) -> bytes | None:
    """The photo itself without its metadata, when it can be shown as it is: a colour JPEG, upright,
    no larger than a display copy; None otherwise. Reads only the header."""
    if im.format not in ("JPEG", "MPO") or im.mode != "RGB" or max(im.size) > DISPLAY_LONG_SIDE:
        return None
    if _read_exif(im, ignore_orientation=False)[0] != 1:  # a JPEG's EXIF is in its header
        return None
    return without_metadata(data, keep_icc=icc is not None)


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
