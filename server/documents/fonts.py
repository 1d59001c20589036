"""The CJK font every PDF embeds: found through a setting or the usual places, registered once.

ReportLab's built-in STSong-Light is a reader-resident CID font: nothing is embedded, so poppler
draws boxes and Ghostscript nothing where no Adobe Asian font pack is installed. A TrueType font
is embedded as a subset (the glyphs a document uses, with a ToUnicode map), so the page renders
the same in every viewer and its text stays extractable. ReportLab embeds TrueType outlines only;
an OpenType/CFF font (Noto CJK, Source Han) is refused with a message saying so.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from ..errors import AppError
from ..i18n import gettext as _

# Searched in this order when XUNCHA_PDF_FONT is not set. A Ming (Song) face first, as official
# documents are set in one; the Hei faces are a legible last resort.
DEFAULT_FONTS = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # Debian fonts-arphic-uming: AR PL UMing CN
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei
)
INSTALL_HINT = "apt-get install fonts-arphic-uming"
# The customary Chinese typesetting mark for a character the font cannot show.
MISSING_MARK = "〓"


class FontMissing(AppError):
    """No usable CJK font: the server cannot print, which a person fixes by installing one."""

    status_code = 503
    code = "pdf_font_missing"


@dataclass(frozen=True)
class CjkFont:
    name: str  # the ReportLab registry name, for styles and canvas.setFont
    path: Path
    index: int
    covered: frozenset[int]  # the code points the font has glyphs for

    def printable(self, text: str) -> str:
        """The text with every character the font lacks replaced by the missing-character mark."""
        covered = self.covered
        if all(ord(c) in covered or c in "\n\t" for c in text):
            return text
        return "".join(c if ord(c) in covered or c in "\n\t" else MISSING_MARK for c in text)


log = logging.getLogger("xuncha")


def _missing(message: str) -> FontMissing:
    # Said to the person asking for the document, and to whoever reads the server's log.
    log.error("PDF font: %s", message)
    return FontMissing(message)


_lock = threading.Lock()
_registered: dict[tuple[Path, int], CjkFont] = {}


def parse_setting(value: str) -> tuple[Path, int]:
    """`path` or `path#N`: N picks a face of a TrueType collection (.ttc), 0 by default."""
    match = re.fullmatch(r"(.+?)(?:#(\d+))?", value.strip())
    assert match is not None  # the pattern matches any non-empty string
    return Path(match.group(1)).expanduser(), int(match.group(2) or 0)


def find_font(setting: str = "", candidates: tuple[str, ...] = DEFAULT_FONTS) -> tuple[Path, int]:
    """The font file to use: the setting if given (and only it), else the first candidate present."""
    if setting:
        path, index = parse_setting(setting)
        if not path.is_file():
            raise _missing(
                _(
                    "The PDF font set in XUNCHA_PDF_FONT ({path}) does not exist. Install it, or point "
                    "XUNCHA_PDF_FONT at a TrueType CJK font such as uming.ttc."
                ).format(path=path)
            )
        return path, index
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path, 0
    raise _missing(
        _(
            "No Chinese font for PDFs is installed, so documents cannot be printed. Ask the "
            "administrator to run '{hint}', or to set XUNCHA_PDF_FONT to a TrueType CJK font."
        ).format(hint=INSTALL_HINT)
    )


def cjk_font(setting: str = "", candidates: tuple[str, ...] = DEFAULT_FONTS) -> CjkFont:
    """The CJK font for PDFs, registered with ReportLab once per process (a few tens of ms)."""
    key = find_font(setting, candidates)
    found = _registered.get(key)
    if found is not None:
        return found
    with _lock:  # renders run in worker threads: one registration, never two half-done ones
        found = _registered.get(key)
        if found is None:
            path, index = key
            digest = hashlib.sha256(f"{path.resolve()}#{index}".encode()).hexdigest()[:10]
            name = f"XunchaCJK-{digest}"
            try:
                font = TTFont(name, str(path), subfontIndex=index)
            except (TTFError, OSError, IndexError) as exc:
                raise _missing(
                    _(
                        "The PDF font {path} cannot be used ({reason}). Set XUNCHA_PDF_FONT to a "
                        "TrueType CJK font (outlines in glyf, such as uming.ttc), or install one."
                    ).format(path=path, reason=exc)
                ) from exc
            covered = frozenset(font.face.charToGlyph)
            if ord("中") not in covered:
                raise _missing(
                    _(
                        "The PDF font {path} has no Chinese characters. Set XUNCHA_PDF_FONT to a "
                        "CJK font, or install one."
                    ).format(path=path)
                )
            pdfmetrics.registerFont(font)
            found = _registered[key] = CjkFont(name=name, path=path, index=index, covered=covered)
    return found
