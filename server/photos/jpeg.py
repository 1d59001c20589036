"""What the server reads of a JPEG from its segments, without decoding it: whether the file runs to
its end (before a photo is acknowledged), and its own picture without its metadata, losslessly: the
segments that carry the picture are copied byte for byte and every other one is left out.

A phone sends its photo already shrunk to the size a screen shows (static/js/field-kit.js): long side
2048 px, upright, without EXIF. Decoding, resizing and encoding it again would cost most of the CPU
the server spends on a photo and lose a generation of quality, only to produce a copy that differs
from what was sent by its metadata. So the display copy of such a photo is the photo itself, rebuilt
from its frame, tables and scans:

- kept: the quantisation and Huffman tables, the frame header (baseline, extended or progressive
  Huffman only), restart intervals, every scan with its entropy-coded data, the JFIF header without
  its embedded thumbnail, the Adobe colour-transform flag, and the RGB colour profile when the caller
  keeps it;
- left out: EXIF (with the GPS position), XMP, IPTC and Photoshop blocks, comments, multi-picture
  indexes, JFIF extensions and their thumbnails, maker blocks, and anything after the end of the image
  (a second picture, an appended archive).

Anything unexpected (arithmetic coding, lossless or hierarchical frames, a marker where none may be,
a file that does not end) answers None: the caller then decodes and encodes the picture as for any
other photo. The result is decoded by the caller before it is kept, so bytes that no decoder reads
never become a display copy.
"""

from __future__ import annotations

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
# Baseline, extended sequential and progressive frames with Huffman coding; the tables, restart
# interval and number of lines that may come between scans.
_PICTURE = frozenset({0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xDC})
_APP0, _APP2, _APP14, _COM = 0xE0, 0xE2, 0xEE, 0xFE
_JFIF_FIELDS = 12  # "JFIF\0", version (2), units (1), densities (2 + 2): what precedes the thumbnail


def without_metadata(data: bytes, *, keep_icc: bool) -> bytes | None:
    """The JPEG rebuilt from the segments that carry its picture, or None when its structure is
    not one this reads (see the module's docstring)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    parts = [b"\xff\xd8"]
    pos, end = 2, len(data)
    while pos + 1 < end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # a fill byte before a marker
            pos += 1
            continue
        if marker == _EOI:
            parts.append(b"\xff\xd9")
            return b"".join(parts)
        if marker == _SOI or marker == 0x01 or 0xD0 <= marker <= 0xD7 or pos + 4 > end:
            return None  # a marker without a length where a segment must be
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        segment_end = pos + 2 + length
        if length < 2 or segment_end > end:
            return None
        if marker == _SOS:
            scan_end = _entropy_end(data, segment_end)
            if scan_end is None:
                return None
            parts.append(data[pos:scan_end])
            pos = scan_end
            continue
        segment = data[pos:segment_end]
        kept = _kept(marker, segment, keep_icc)
        if kept is None:
            return None
        parts.append(kept)
        pos = segment_end
    return None  # no end-of-image marker: the file was cut short


def _kept(marker: int, segment: bytes, keep_icc: bool) -> bytes | None:
    """The segment as it goes into the copy (b"" to leave it out), or None for one that makes the
    file something this does not copy."""
    if marker in _PICTURE:
        return segment
    payload = segment[4:]
    if marker == _APP0 and payload.startswith(b"JFIF\x00") and len(payload) >= _JFIF_FIELDS:
        fields = payload[:_JFIF_FIELDS] + b"\x00\x00"  # no thumbnail
        return b"\xff\xe0" + (len(fields) + 2).to_bytes(2, "big") + fields
    if marker == _APP2 and payload.startswith(b"ICC_PROFILE\x00"):
        return segment if keep_icc else b""
    if marker == _APP14 and payload.startswith(b"Adobe"):
        return segment
    if 0xE0 <= marker <= 0xEF or marker == _COM:
        return b""
    return None


def _entropy_end(data: bytes, pos: int) -> int | None:
    """Where a scan's entropy-coded data ends: at the first 0xFF that is neither a stuffed zero nor a
    restart marker (fill bytes before the next marker included in what follows)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos == -1 or pos + 1 >= len(data):
            return None
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
            continue
        return pos


def jpeg_complete(data: bytes) -> bool:
    """Whether the JPEG's structure says it is whole: an end-of-image marker after its first scan."""
    # Walk the segments to the first scan; the end-of-image marker cannot occur inside entropy-coded
    # data (a 0xFF there is always followed by 0x00 or a restart marker), so finding it is enough.
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return True  # an odd layout: decoding will tell
        marker = data[pos + 1]
        if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8:
            pos += 1 if marker == 0xFF else 2
            continue
        if marker == 0xD9:
            return False  # the image ends before any scan
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:
            return data.find(b"\xff\xd9", pos + 2 + length) != -1
        pos += 2 + length
    return False
