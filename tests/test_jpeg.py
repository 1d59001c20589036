"""A photo the phone has already shrunk is shown as it was sent, with its metadata left out, and
every JPEG the lossless path does not read still gets a clean display copy the ordinary way."""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageOps

from server.photos.jpeg import without_metadata
from server.photos.pipeline import DISPLAY_LONG_SIDE, process_photo
from tests.support import fixture_photo


def phone_shrunk(name: str = "mobile_jolla.jpg", **save_args: object) -> bytes:
    """What static/js/field-kit.js sends: upright, long side 2048 px, JPEG at 0.7."""
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(fixture_photo(name))))
    im.thumbnail((DISPLAY_LONG_SIDE, DISPLAY_LONG_SIDE))
    out = io.BytesIO()
    im.convert("RGB").save(out, "JPEG", quality=70, **save_args)
    return out.getvalue()


def pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def identical(a: bytes, b: bytes) -> bool:
    return ImageChops.difference(pixels(a), pixels(b)).getbbox() is None


def test_a_phone_shrunk_photo_is_shown_exactly_as_sent() -> None:
    sent = phone_shrunk()
    photo = process_photo(sent, "image/jpeg")
    assert (photo.display_width, photo.display_height) == (2048, 1536) == Image.open(io.BytesIO(sent)).size
    assert photo.display_jpeg == sent  # Pillow writes a JFIF header and the picture: nothing to leave out
    assert (photo.thumb_width, photo.thumb_height) == (320, 240)
    assert Image.open(io.BytesIO(photo.thumb_jpeg)).size == (320, 240)


def test_metadata_of_a_shown_as_sent_photo_is_left_out_and_the_picture_kept_bit_for_bit() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Nokia"
    exif.get_ifd(0x8825).update({1: "N", 3: "E"})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret place</x:xmpmeta>'
    sent = phone_shrunk(exif=exif.tobytes(), comment=b"officer 42", xmp=xmp)
    sent += b"PK\x03\x04 an archive appended after the picture"
    photo = process_photo(sent, "image/jpeg")
    assert photo.display_width == 2048
    for marker in (b"Exif\x00\x00", b"Nokia", b"secret place", b"officer 42", b"PK\x03\x04"):
        assert marker in sent and marker not in photo.display_jpeg
    assert identical(photo.display_jpeg, sent)
    assert len(photo.display_jpeg) < len(sent)


def test_progressive_restart_markers_and_colour_profile_are_copied() -> None:
    icc = Image.open(io.BytesIO(fixture_photo("orientation_portrait_6.jpg"))).info["icc_profile"]
    for options in ({"progressive": True}, {"restart_marker_blocks": 4}, {"icc_profile": icc}):
        sent = phone_shrunk(**options)
        photo = process_photo(sent, "image/jpeg")
        assert photo.display_jpeg == sent, options
        assert identical(photo.display_jpeg, sent)
    assert Image.open(io.BytesIO(photo.display_jpeg)).info["icc_profile"] == icc


def test_only_the_first_picture_of_a_multi_picture_file_is_shown() -> None:
    first = pixels(phone_shrunk())
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[first.rotate(180)], quality=70)
    photo = process_photo(out.getvalue(), "image/jpeg")
    assert photo.display_width == 2048
    assert b"MPF\x00" not in photo.display_jpeg and photo.display_jpeg.count(b"\xff\xd8") == 1
    assert identical(photo.display_jpeg, out.getvalue())  # Pillow reads the first picture


def test_a_turned_or_oversized_or_cmyk_photo_is_encoded_the_ordinary_way() -> None:
    turned = fixture_photo("orientation_portrait_6.jpg")
    assert Image.open(io.BytesIO(turned)).getexif()[0x0112] == 6
    photo = process_photo(turned, "image/jpeg")
    assert photo.display_jpeg != turned and photo.display_width < photo.display_height  # turned upright
    camera = fixture_photo("mobile_HMD_Nokia_8.3_5G.jpg")  # 4608 px
    assert process_photo(camera, "image/jpeg").display_width == 2048
    out = io.BytesIO()
    Image.new("CMYK", (300, 200), (0, 255, 255, 0)).save(out, "JPEG")
    assert Image.open(io.BytesIO(process_photo(out.getvalue(), "image/jpeg").display_jpeg)).mode == "RGB"


def test_structures_the_copier_does_not_read_are_left_to_the_decoder() -> None:
    sent = phone_shrunk()
    sof = sent.index(b"\xff\xc0")
    arithmetic = sent[:sof] + b"\xff\xc9" + sent[sof + 2 :]
    assert without_metadata(arithmetic, keep_icc=False) is None
    assert without_metadata(sent[: len(sent) // 2], keep_icc=False) is None  # cut short: no end marker
    assert without_metadata(sent[:-2], keep_icc=False) is None
    assert without_metadata(b"\xff\xd8\xff\xd0\xff\xd9", keep_icc=False) is None  # a restart outside a scan
    assert without_metadata(b"\x89PNG\r\n\x1a\n", keep_icc=False) is None
    assert without_metadata(sent, keep_icc=False) == sent


def test_a_jfif_thumbnail_is_left_out() -> None:
    sent = phone_shrunk()
    assert sent[2:4] == b"\xff\xe0"
    length = int.from_bytes(sent[4:6], "big")
    # A 2 x 1 RGB thumbnail in the JFIF header, as old cameras wrote.
    fields = sent[6 : 6 + 14] + b"\x02\x01" + bytes(6)
    with_thumb = sent[:4] + (len(fields) + 2).to_bytes(2, "big") + fields + sent[4 + length :]
    copy = without_metadata(with_thumb, keep_icc=False)
    assert copy == sent
    assert identical(process_photo(with_thumb, "image/jpeg").display_jpeg, sent)
