"""Building blocks for Chinese PDF documents with ReportLab: styles, text, photos, page furniture.

Everything here is pure and synchronous: documents are drawn in a worker thread.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import reportlab.platypus.paragraph as rl_paragraph
from PIL import Image as PILImage
from reportlab import rl_config
from reportlab.lib import colors, textsplit
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Table

from .fonts import MISSING_MARK, CjkFont

GREY = colors.HexColor("#888888")

# ReportLab's line-start prohibitions (kinsoku) are Japanese: they lack the full-width Chinese
# marks, so "，" could open a line. GB/T 15834 forbids that in any CJK text, so extending the
# shared lists (one per wrapping path) can only improve other Paragraphs in the process too.
for _module in (rl_paragraph, textsplit):
    _module.ALL_CANNOT_START += "".join(set("，；：！？）》〉”’…％·") - set(_module.ALL_CANNOT_START))

# ReportLab wraps every stream in ASCII85 by default, which keeps a PDF 7-bit clean for mail
# gateways of another age: photos grow by a quarter and go through a pure-Python encoder (most
# of a notice's render time). Binary streams are what every viewer and download expects.
rl_config.useA85 = 0


def cjk_document(out, font: CjkFont, **kw) -> SimpleDocTemplate:
    """A SimpleDocTemplate whose canvas starts in the CJK font: its default (Helvetica) would
    otherwise be listed in every page's resources, a font no PDF of ours embeds."""
    return SimpleDocTemplate(out, initialFontName=font.name, **kw)


# What every document of ours says about itself, in the viewer's document properties.
DOCUMENT_INFO = {"creator": "Xuncha", "lang": "zh-CN", "displayDocTitle": 1}
MARGINS = ("leftMargin", "rightMargin", "topMargin", "bottomMargin")


def a4_document(
    out, font: CjkFont, *, title: str, author: str, margins: tuple[float, float, float, float], **kw
) -> SimpleDocTemplate:
    """An A4 document in the CJK font with the metadata every document of ours carries; `margins`
    are left, right, top and bottom."""
    placed = dict(zip(MARGINS, margins, strict=True))
    return cjk_document(out, font, pagesize=A4, title=title, author=author, **placed, **DOCUMENT_INFO, **kw)


def cjk_table(rows: list, font: CjkFont, style: Sequence = (), **kw) -> Table:
    """A Table whose cells default to the CJK font: ReportLab's default (Helvetica) would be set
    for every cell, bringing in a font no PDF of ours embeds."""
    table = Table(rows, **kw)
    table.setStyle([("FONT", (0, 0), (-1, -1), font.name), *style])
    return table


def cjk_style(name: str, font: CjkFont, size: float, leading: float, **kw) -> ParagraphStyle:
    # wordWrap="CJK" breaks between any two ideographs (Chinese has no spaces) and applies the
    # kinsoku rules extended above.
    return ParagraphStyle(name, fontName=font.name, fontSize=size, leading=leading, wordWrap="CJK", **kw)


# C0 controls other than tab and newline would reach the PDF as stray glyph codes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# ReportLab subsets only the Basic Multilingual Plane; emoji and rare extension characters
# beyond it print as the missing-character mark.
_ASTRAL = re.compile(r"[\U00010000-\U0010FFFF]")


def plain(text: str, font: CjkFont) -> str:
    """Typed text as Paragraph markup that can only ever mean itself, in glyphs the font has."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = font.printable(_ASTRAL.sub(MISSING_MARK, text))
    return escape(text).replace("\n", "<br/>")


def paragraphs(text: str, style: ParagraphStyle, font: CjkFont) -> list[Paragraph]:
    """One Paragraph per non-blank line, so long text flows across pages (a table cell cannot)."""
    return [Paragraph(plain(line.strip(), font), style) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    caption: str


def photo_cell(
    photo: Photo,
    width: float,
    height: float,
    font: CjkFont,
    caption_style: ParagraphStyle,
    broken_style: ParagraphStyle,
    broken_text: str = "照片无法显示",
) -> list:
    """A photo scaled into width x height with its caption; a placeholder if it cannot be decoded."""
    caption = Paragraph(plain(photo.caption, font), caption_style)
    try:
        # ReportLab copies a JPEG into the PDF without decoding it, so a truncated or corrupt file
        # would only fail inside doc.build, losing the whole document: decode it fully first.
        with PILImage.open(io.BytesIO(photo.jpeg)) as decoded:
            decoded.load()
        w, h = ImageReader(io.BytesIO(photo.jpeg)).getSize()
    except Exception:  # any undecodable photo becomes a placeholder, never a failed document
        box = cjk_table(
            [[Paragraph(broken_text, broken_style)]],
            font,
            [("BOX", (0, 0), (-1, -1), 0.5, GREY), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")],
            colWidths=width,
            rowHeights=height * 0.6,
        )
        return [box, caption]
    scale = min(width / w, height / h)
    return [Image(io.BytesIO(photo.jpeg), width=w * scale, height=h * scale), caption]


def photo_grid(
    photos: Sequence[Photo],
    width: float,
    font: CjkFont,
    caption_style: ParagraphStyle,
    broken_style: ParagraphStyle,
    *,
    columns: int = 2,
    height: float = 62 * mm,
) -> Table:
    gap = 6 * mm
    cell_w = (width - gap * (columns - 1)) / columns
    cells: list = [photo_cell(p, cell_w, height, font, caption_style, broken_style) for p in photos]
    cells += [""] * (-len(cells) % columns)
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    return cjk_table(
        rows,
        font,
        [
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (-1, -1), gap / 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), gap / 4),
        ],
        colWidths=[width / columns] * columns,
    )


def page_number_footer(font: CjkFont, page_width: float, size: float = 10) -> Callable:
    """An onPage callback numbering pages "— 1 —", centred in the bottom margin (GB/T 9704)."""

    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font.name, size)
        canvas.drawCentredString(page_width / 2, 14 * mm, f"— {doc.page} —")
        canvas.restoreState()

    return draw
