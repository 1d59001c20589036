"""The photo pipeline against real phone photos and hostile uploads."""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import random
import struct
import time
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import cache

import pytest
from PIL import Image, ImageChops, ImageStat
from PIL.TiffImagePlugin import IFDRational as R

from server.photos import pipeline
from server.photos.jpeg import without_metadata
from server.photos.pipeline import (
    ACCEPTED_TYPES,
    HEIF_SUPPORTED,
    PhotoRejected,
    ProcessedPhoto,
    phash_distance,
    process_photo,
)
from tests.support import PHOTOS_DIR, fixture_photo

ALL_FIXTURES = sorted(p.name for p in PHOTOS_DIR.iterdir() if p.suffix.lower() in {".jpg", ".heic"})
HEIC = "mobile_iphone_13_pro_max.HEIC"


@cache
def processed(name: str) -> ProcessedPhoto:
    declared = "image/heic" if name.endswith(".HEIC") else "image/jpeg"
    return process_photo(fixture_photo(name), declared)


def rejection(data: bytes, declared: str = "image/jpeg", **limits: int) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, declared, **limits)
    return caught.value


def jpeg_bytes(im: Image.Image, **save_args: object) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", **save_args)
    return out.getvalue()


def jpeg_with_exif(gps: dict | None = None, exif_ifd: dict | None = None, base: dict | None = None) -> bytes:
    exif = Image.Exif()
    exif.update(base or {})
    if gps is not None:
        exif.get_ifd(0x8825).update(gps)
    if exif_ifd is not None:
        exif.get_ifd(0x8769).update(exif_ifd)
    return jpeg_bytes(Image.new("RGB", (64, 48), (90, 120, 200)), exif=exif.tobytes())


def dms(degrees: float, minutes: float, seconds: float) -> tuple[R, R, R]:
    return tuple(R(Fraction(str(part)).limit_denominator(10_000)) for part in (degrees, minutes, seconds))


def output_sizes(photo: ProcessedPhoto) -> tuple[int, int, int, int]:
    return photo.display_width, photo.display_height, photo.thumb_width, photo.thumb_height


def position(photo: ProcessedPhoto) -> tuple[float | None, float | None]:
    return photo.exif_lat, photo.exif_lon


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def png_bomb(side: int) -> bytes:
    """A 1-bit all-black PNG of side x side pixels, compressed to a few dozen KB."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + side // 8)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- EXIF position and time from real cameras ---------------------------------------------------------


def test_nikon_gps_position_and_time() -> None:
    photo = processed("gps_DSCN0010.jpg")
    assert photo.exif_lat == pytest.approx(43.4674, abs=1e-3)
    assert photo.exif_lon == pytest.approx(11.8851, abs=1e-3)
    assert photo.taken_at == datetime(2008, 10, 22, 16, 28, 39)  # DateTimeOriginal, no offset: naive
    assert (photo.media_type, photo.width, photo.height) == ("image/jpeg", 640, 480)


def test_iphone_west_longitude_and_subseconds() -> None:
    photo = processed("hdr_iphone_hdr_YES.jpg")
    assert photo.exif_lat == pytest.approx(40.44697, abs=1e-4)
    assert photo.exif_lon == pytest.approx(-3.72475, abs=1e-4)
    assert photo.taken_at == datetime(2015, 4, 10, 20, 12, 23, 550000)


def test_android_time_carries_its_offset() -> None:
    photo = processed("mobile_HMD_Nokia_8.3_5G.jpg")
    assert photo.taken_at == datetime(2022, 8, 14, 14, 12, 31, tzinfo=timezone(timedelta(hours=3)))
    assert photo.taken_at.utcoffset() == timedelta(hours=3)
    assert position(photo) == (pytest.approx(60.14671, abs=1e-4), pytest.approx(24.90677, abs=1e-4))


def test_photo_without_gps_has_no_position() -> None:
    photo = processed("mobile_jolla.jpg")
    assert photo.exif_lat is None and photo.exif_lon is None
    assert photo.taken_at == datetime(2014, 9, 21, 16, 0, 56)


def test_kodak_with_odd_gps_is_processed() -> None:
    # 0 deg 22.278 min S, 36 deg 3.385 min E is a valid (d, decimal minutes, 0) form: Lake Nakuru, Kenya.
    photo = processed("Kodak_CX7530.jpg")
    assert photo.exif_lat == pytest.approx(-0.37130, abs=1e-4)
    assert photo.exif_lon == pytest.approx(36.05642, abs=1e-4)
    assert photo.taken_at == datetime(2005, 8, 13, 9, 47, 23)  # DateTimeOriginal wins over the GIMP DateTime
    assert (photo.width, photo.height, photo.display_width, photo.thumb_width) == (100, 78, 100, 100)


def test_olympus_with_damaged_exif_is_processed() -> None:
    photo = processed("corrupted.jpg")  # its 16 KB EXIF block is cut short, the picture itself is whole
    assert (photo.width, photo.height) == (3648, 2736)
    assert (photo.display_width, photo.display_height) == (2048, 1536)
    assert photo.taken_at == datetime(2015, 9, 8, 11, 2, 17)
    assert photo.exif_lat is None


def test_jpeg_with_invalid_markers_is_processed() -> None:
    photo = processed("invalid_image00971.jpg")  # libjpeg decodes it; it only carries a 35 KB XMP packet
    assert (photo.width, photo.height) == (636, 227)
    assert photo.taken_at is None and photo.exif_lat is None
    display = Image.open(io.BytesIO(photo.display_jpeg))
    original = Image.open(io.BytesIO(fixture_photo("invalid_image00971.jpg")))
    assert mean_difference(display, original) < 4


def test_heic_is_processed_through_pillow_heif() -> None:
    if not HEIF_SUPPORTED:
        assert rejection(fixture_photo(HEIC), "image/heic").status_code == 415
        return
    photo = processed(HEIC)
    assert photo.media_type == "image/heic"
    assert (photo.width, photo.height) == (3024, 4032)
    assert output_sizes(photo) == (1536, 2048, 240, 320)
    assert photo.taken_at == datetime(2022, 2, 16, 12, 55, 41, 762000, tzinfo=timezone(timedelta(hours=1)))
    assert photo.exif_lat is None  # this iPhone had location off


def test_without_pillow_heif_heic_is_a_clear_415(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "HEIF_SUPPORTED", False)
    for declared in ("image/heic", "image/jpeg"):
        refused = rejection(fixture_photo(HEIC), declared)
        assert (refused.status_code, refused.code) == (415, "unsupported_type")
        assert "JPEG (Most Compatible)" in refused.message


# --- orientation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "upright", "wrong"),
    [
        ("orientation_portrait_6.jpg", Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_90),
        ("orientation_landscape_8.jpg", Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270),
    ],
)
def test_exif_orientation_is_applied(name: str, upright: Image.Transpose, wrong: Image.Transpose) -> None:
    photo = processed(name)
    stored = Image.open(io.BytesIO(fixture_photo(name))).convert("RGB")  # Pillow itself ignores Orientation
    expected = stored.transpose(upright)
    assert (photo.width, photo.height) == expected.size
    assert (photo.width > photo.height) == ("landscape" in name)
    display = Image.open(io.BytesIO(photo.display_jpeg))
    assert display.size == expected.size
    assert mean_difference(display, expected) < 8  # JPEG re-encoding noise; a wrong turn scores over 50
    assert mean_difference(display, stored.transpose(wrong)) > 30
    thumb = Image.open(io.BytesIO(photo.thumb_jpeg))
    assert mean_difference(thumb, expected.resize(thumb.size, Image.Resampling.BICUBIC)) < 8


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the bad pointer
def test_orientation_survives_a_broken_gps_pointer() -> None:
    ifd0 = struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack("<HHII", 0x8825, 4, 1, 0x7FFFFFF0)
    tiff = b"II*\x00" + struct.pack("<IH", 8, 2) + ifd0 + struct.pack("<I", 0)
    photo = process_photo(jpeg_bytes(Image.new("RGB", (80, 40)), exif=b"Exif\x00\x00" + tiff), "image/jpeg")
    assert (photo.width, photo.height, photo.display_width, photo.display_height) == (40, 80, 40, 80)
    assert photo.exif_lat is None


# --- outputs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_outputs_carry_no_private_metadata(name: str) -> None:
    photo = processed(name)
    for data in (photo.display_jpeg, photo.thumb_jpeg):
        out = Image.open(io.BytesIO(data))
        assert (out.format, out.mode) == ("JPEG", "RGB")
        assert len(out.getexif()) == 0
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop"} & set(out.info)
        for marker in (b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"Photoshop 3.0", b"<x:xmpmeta"):
            assert marker not in data


def test_comment_xmp_and_gps_of_a_crafted_jpeg_are_dropped() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: dms(31, 14, 0), 3: "E", 4: dms(121, 28, 0)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret place</x:xmpmeta>'
    red = Image.new("RGB", (200, 100), "red")
    data = jpeg_bytes(red, exif=exif.tobytes(), comment=b"officer 42", xmp=xmp)
    photo = process_photo(data, "image/jpeg")
    assert photo.exif_lat == pytest.approx(31.2333, abs=1e-3)
    for out in (photo.display_jpeg, photo.thumb_jpeg):
        assert b"officer 42" not in out and b"secret place" not in out and b"Exif\x00\x00" not in out
        assert "comment" not in Image.open(io.BytesIO(out)).info


def test_rgb_colour_profile_is_kept() -> None:
    original_icc = Image.open(io.BytesIO(fixture_photo("orientation_portrait_6.jpg"))).info["icc_profile"]
    photo = processed("orientation_portrait_6.jpg")
    assert Image.open(io.BytesIO(photo.display_jpeg)).info.get("icc_profile") == original_icc


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_sizes_are_bounded_and_keep_the_aspect(name: str) -> None:
    photo = processed(name)
    for data, width, height, limit in (
        (photo.display_jpeg, photo.display_width, photo.display_height, 2048),
        (photo.thumb_jpeg, photo.thumb_width, photo.thumb_height, 320),
    ):
        assert Image.open(io.BytesIO(data)).size == (width, height)
        assert max(width, height) == min(limit, max(photo.width, photo.height))  # bounded, never upscaled
        assert abs(width * photo.height - height * photo.width) <= max(photo.width, photo.height)


def test_small_photos_are_not_upscaled() -> None:
    photo = processed("gps_DSCN0010.jpg")
    assert output_sizes(photo) == (640, 480, 320, 240)


def test_phone_photo_sizes() -> None:
    photo = processed("mobile_HMD_Nokia_8.3_5G.jpg")
    assert (photo.width, photo.height) == (4608, 1976)
    assert output_sizes(photo) == (2048, 878, 320, 137)


def test_hash_and_size_describe_the_original() -> None:
    data = fixture_photo("gps_DSCN0021.jpg")
    photo = process_photo(data, "image/jpeg")
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.size_bytes == len(data)


# --- perceptual hash ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gps_DSCN0010.jpg", "hdr_iphone_hdr_YES.jpg"])
def test_reencoded_photo_has_a_close_phash(name: str) -> None:
    reencoded = jpeg_bytes(Image.open(io.BytesIO(fixture_photo(name))), quality=35)
    other = process_photo(reencoded, "image/jpeg")
    assert other.sha256 != processed(name).sha256
    assert phash_distance(processed(name).phash, other.phash) <= 6


def test_different_photos_have_distant_phashes() -> None:
    for a, b in itertools.combinations(ALL_FIXTURES, 2):
        assert phash_distance(processed(a).phash, processed(b).phash) >= 10, (a, b)


def test_phash_format_and_distance() -> None:
    assert all(len(processed(n).phash) == 16 and int(processed(n).phash, 16) >= 0 for n in ALL_FIXTURES)
    assert phash_distance("0" * 16, "f" * 16) == 64
    assert phash_distance("8000000000000001", "0000000000000001") == 1


# --- refusals -------------------------------------------------------------------------------------------


def test_too_large_is_413_before_parsing() -> None:
    body = b"\xff\xd8\xff" + bytes(30 * 1024 * 1024)
    started = time.perf_counter()
    refused = rejection(body)
    assert time.perf_counter() - started < 0.5
    assert (refused.status_code, refused.code) == (413, "too_large")
    assert refused.message == "The photo is 30.0 MB; the limit is 20 MB."


@pytest.mark.parametrize("declared", ["image/gif", "text/plain", "application/octet-stream", "", "image/bmp"])
def test_undeclared_types_are_415(declared: str) -> None:
    refused = rejection(fixture_photo("gps_DSCN0010.jpg"), declared)
    assert (refused.status_code, refused.code) == (415, "unsupported_type")


def test_declared_type_parameters_and_case_are_ignored() -> None:
    photo = process_photo(fixture_photo("Kodak_CX7530.jpg"), " Image/JPEG; charset=binary")
    assert photo.media_type == "image/jpeg"
    assert {"image/jpeg", "image/png", "image/webp"} <= ACCEPTED_TYPES


def first_half(name: str) -> bytes:
    data = fixture_photo(name)
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("make_body", "code"),
    [
        (lambda: first_half("mobile_HMD_Nokia_8.3_5G.jpg"), "truncated"),
        (lambda: fixture_photo("gps_DSCN0010.jpg")[:-5000], "truncated"),
        (lambda: fixture_photo("gps_DSCN0010.jpg")[:600], "not_an_image"),
        (lambda: random.Random(7).randbytes(50_000), "not_an_image"),
        (lambda: b"", "not_an_image"),
        (lambda: b"Inspection notes\n" * 100, "not_an_image"),
        (lambda: b"\xff\xd8\xff" + random.Random(8).randbytes(2000), "not_an_image"),
        (lambda: b"GIF89a" + bytes(100), "not_an_image"),
    ],
    ids=["half-phone", "end-cut", "header-cut", "random", "empty", "text", "magic-then-noise", "gif-bytes"],
)
def test_undecodable_bodies_are_422(make_body: Callable[[], bytes], code: str) -> None:
    refused = rejection(make_body())
    assert (refused.status_code, refused.code) == (422, code)
    assert "Error" not in refused.message and "PIL" not in refused.message


def test_truncated_heic_is_422_not_a_green_picture() -> None:
    if HEIF_SUPPORTED:
        refused = rejection(first_half(HEIC), "image/heic")
        assert (refused.status_code, refused.code) == (422, "truncated")


def test_decompression_bomb_is_refused_without_decoding() -> None:
    bomb = png_bomb(20_000)  # 400 megapixels in about 50 KB
    assert len(bomb) < 100_000
    started = time.perf_counter()
    refused = rejection(bomb, "image/png")
    assert time.perf_counter() - started < 0.5
    assert (refused.status_code, refused.code) == (422, "too_many_pixels")
    assert "40 megapixels" in refused.message


def test_pixel_limit_is_checked_from_the_header() -> None:
    refused = rejection(png_bomb(8000), "image/png")  # 64 MP: below Pillow's own limit, above ours
    assert (refused.code, refused.message) == (
        "too_many_pixels",
        "The photo is 8000 x 8000 pixels; the limit is 40 megapixels.",
    )
    assert rejection(fixture_photo("gps_DSCN0010.jpg"), max_pixels=300_000).code == "too_many_pixels"


def test_memory_error_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(pipeline.Image, "open", out_of_memory)
    with pytest.raises(MemoryError):
        process_photo(fixture_photo("Kodak_CX7530.jpg"), "image/jpeg")


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about each corrupt EXIF block
def test_mutated_photos_never_raise_anything_else() -> None:
    rng = random.Random(2024)
    sources = [fixture_photo("Kodak_CX7530.jpg"), fixture_photo("gps_DSCN0010.jpg")]
    outcomes = set()
    for _ in range(150):
        data = bytearray(rng.choice(sources))
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        else:
            region = len(data) if rng.random() < 0.5 else 3000  # the first 3 KB hold EXIF and the tables
            for _ in range(rng.randint(1, 12)):
                data[rng.randrange(region)] = rng.randrange(256)
        try:
            photo = process_photo(bytes(data), "image/jpeg")
        except PhotoRejected as refused:
            assert refused.status_code == 422
            outcomes.add(refused.code)
            continue
        copies = {without_metadata(bytes(data), keep_icc=keep) for keep in (True, False)}
        outcomes.add("shown as sent" if photo.display_jpeg in copies else "encoded")
        # Either way what is shown is a colour JPEG with no EXIF a viewer would read.
        display = Image.open(io.BytesIO(photo.display_jpeg))
        assert (display.format, display.mode) == ("JPEG", "RGB")
        assert len(display.getexif()) == 0 and "exif" not in display.info
    assert {"shown as sent", "truncated"} <= outcomes


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_damaged_exif_never_rejects_the_photo() -> None:
    garbage = b"Exif\x00\x00II*\x00\x08\x00\x00\x00" + random.Random(3).randbytes(400)
    photo = process_photo(jpeg_bytes(Image.new("RGB", (64, 48)), exif=garbage), "image/jpeg")
    assert (photo.width, photo.taken_at, photo.exif_lat) == (64, None, None)


# --- other formats and modes ----------------------------------------------------------------------------


def test_png_with_transparency_is_flattened_on_white() -> None:
    im = Image.new("RGBA", (400, 300), (255, 0, 0, 0))
    im.paste((0, 0, 255, 255), (0, 0, 200, 300))
    out = io.BytesIO()
    im.save(out, "PNG")
    photo = process_photo(out.getvalue(), "image/png")
    display = Image.open(io.BytesIO(photo.display_jpeg))
    assert photo.media_type == "image/png"
    assert all(abs(a - b) < 8 for a, b in zip(display.getpixel((50, 150)), (0, 0, 255), strict=True))
    assert all(channel > 247 for channel in display.getpixel((350, 150)))


def test_webp_is_processed_and_sniffed_type_wins() -> None:
    out = io.BytesIO()
    Image.open(io.BytesIO(fixture_photo("mobile_jolla.jpg"))).save(out, "WEBP", quality=70)
    photo = process_photo(out.getvalue(), "image/jpeg")
    assert (photo.media_type, photo.width, photo.height) == ("image/webp", 3264, 2448)
    assert output_sizes(photo) == (2048, 1536, 320, 240)
    assert phash_distance(photo.phash, processed("mobile_jolla.jpg").phash) <= 6


def test_multi_picture_jpeg_uses_its_first_picture() -> None:
    jolla = Image.open(io.BytesIO(fixture_photo("mobile_jolla.jpg")))
    out = io.BytesIO()
    jolla.save(out, "MPO", save_all=True, append_images=[jolla.rotate(180)])
    photo = process_photo(out.getvalue(), "image/jpeg")
    assert (photo.media_type, photo.width, photo.height) == ("image/jpeg", 3264, 2448)
    assert phash_distance(photo.phash, processed("mobile_jolla.jpg").phash) <= 6


def test_sixteen_bit_greyscale_png_is_not_washed_out() -> None:
    im = Image.new("I;16", (256, 16))
    im.putdata([x * 256 for _ in range(16) for x in range(256)])
    out = io.BytesIO()
    im.save(out, "PNG")
    display = Image.open(io.BytesIO(process_photo(out.getvalue(), "image/png").display_jpeg))
    assert display.getpixel((2, 8))[0] < 10 and display.getpixel((128, 8))[0] == pytest.approx(128, abs=6)


def test_cmyk_jpeg_comes_out_rgb() -> None:
    photo = process_photo(jpeg_bytes(Image.new("CMYK", (2000, 1000), (0, 255, 255, 0))), "image/jpeg")
    display = Image.open(io.BytesIO(photo.display_jpeg))
    assert (display.mode, display.size) == ("RGB", (2000, 1000))  # within 2048: not resized
    red, green, blue = display.getpixel((800, 400))
    assert red > 200 and green < 40 and blue < 40


# --- EXIF edge cases ------------------------------------------------------------------------------------

N, E = "N", "E"


@pytest.mark.parametrize(
    ("gps", "expected"),
    [
        ({1: "S", 2: dms(33, 52, 35.64), 3: "W", 4: dms(151, 12, 4)}, (-33.87657, -151.20111)),
        ({1: N, 2: dms(39, 54.4, 0), 3: E, 4: dms(116, 23.38, 0)}, (39.90667, 116.38967)),
        ({1: N, 2: R(3123, 100), 3: E, 4: R(12147, 100)}, (31.23, 121.47)),
        ({1: N, 2: (R(30, 1), R(30, 1), R(0, 0)), 3: E, 4: (R(114, 1), R(18, 1), R(0, 0))}, (30.5, 114.3)),
        ({1: "s\x00\x00", 2: dms(10, 0, 0), 3: "w ", 4: dms(20, 0, 0)}, (-10.0, -20.0)),
        ({2: dms(22, 30, 0), 4: dms(113, 15, 0)}, (22.5, 113.25)),
        ({1: N, 2: dms(95, 0, 0), 3: E, 4: dms(10, 0, 0)}, None),
        ({1: N, 2: dms(10, 0, 0), 3: E, 4: dms(181, 0, 0)}, None),
        ({1: N, 2: dms(10, 60, 0), 3: E, 4: dms(10, 0, 0)}, None),
        ({1: N, 2: dms(10, 5, 75), 3: E, 4: dms(10, 0, 0)}, None),
        ({1: N, 2: dms(0, 0, 0), 3: E, 4: dms(0, 0, 0)}, None),
        ({1: N, 2: (R(0, 0), R(0, 1), R(0, 1)), 3: E, 4: dms(10, 0, 0)}, None),
        ({1: "X", 2: dms(10, 0, 0), 3: E, 4: dms(10, 0, 0)}, None),
        ({1: N, 2: dms(10, 0, 0)}, None),
        ({9: "V", 1: N, 2: dms(10, 0, 0), 3: E, 4: dms(10, 0, 0)}, None),
    ],
    ids=[
        "dms-south-west", "decimal-minutes", "decimal-degrees", "0/0-seconds", "lowercase-nul-refs",
        "missing-refs", "lat-over-90", "lon-over-180", "minutes-60", "seconds-75", "null-island",
        "0/0-degrees", "unknown-ref", "latitude-only", "void-fix",
    ],
)  # fmt: skip
def test_gps_forms(gps: dict, expected: tuple[float, float] | None) -> None:
    photo = process_photo(jpeg_with_exif(gps=gps), "image/jpeg")
    if expected is None:
        assert position(photo) == (None, None)
    else:
        assert position(photo) == (pytest.approx(expected[0], abs=1e-4), pytest.approx(expected[1], abs=1e-4))


def test_gps_refs_as_bytes_and_nan_values() -> None:
    # Pillow's writer cannot produce these, other firmwares do; the parser sees them as decoded values.
    south_east = {1: b"S\x00", 2: (10.0, 30.0, 0.0), 3: b"e", 4: (20.0, 0.0, 0.0)}
    assert pipeline._position(south_east) == (-10.5, 20.0)
    assert pipeline._position({1: "N", 2: (math.nan, 0.0, 0.0), 3: "E", 4: (20.0, 0.0, 0.0)}) is None
    assert pipeline._position({1: "N", 2: (-10.0, 0.0, 0.0), 3: "E", 4: (20.0, 0.0, 0.0)}) is None
    assert pipeline._position({1: "N", 2: "ten degrees", 3: "E", 4: (20.0, 0.0, 0.0)}) is None


@pytest.mark.parametrize(
    ("exif_ifd", "base", "expected"),
    [
        ({0x9003: "2024-03-05 07:08:09"}, {}, datetime(2024, 3, 5, 7, 8, 9)),
        ({0x9003: "2024:03:05 07:08:09\x00 "}, {}, datetime(2024, 3, 5, 7, 8, 9)),
        ({0x9003: "2024:03:05 07:08:09", 0x9291: "042", 0x9011: "+08:00"}, {},
         datetime(2024, 3, 5, 7, 8, 9, 42000, tzinfo=timezone(timedelta(hours=8)))),
        ({0x9003: "2024:03:05 07:08:09", 0x9010: "-05:30"}, {},
         datetime(2024, 3, 5, 7, 8, 9, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
        ({0x9003: "2024:03:05 07:08:09", 0x9011: "+25:00"}, {}, datetime(2024, 3, 5, 7, 8, 9)),
        ({0x9003: "0000:00:00 00:00:00", 0x9004: "2024:03:06 10:00:00"}, {}, datetime(2024, 3, 6, 10, 0)),
        ({0x9003: "    :  :     :  :  "}, {0x0132: "2024:03:07 11:00:00"}, datetime(2024, 3, 7, 11, 0)),
        ({0x9003: "0000:00:00 00:00:00"}, {}, None),
        ({0x9003: "2024:13:45 99:00:00"}, {}, None),
        ({}, {}, None),
    ],
)  # fmt: skip
def test_taken_at_forms(exif_ifd: dict, base: dict, expected: datetime | None) -> None:
    photo = process_photo(jpeg_with_exif(exif_ifd=exif_ifd, base=base), "image/jpeg")
    assert photo.taken_at == expected
    if expected is not None:
        assert (photo.taken_at.tzinfo is None) == (expected.tzinfo is None)
