"""A bulletin as a PDF, drawn from its stored figures only: pure and synchronous, run in a worker
thread. Fonts, tables, photos and page numbers come from server.documents."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, HRFlowable, Paragraph, Spacer

from ..documents.dates import format_date, format_datetime
from ..documents.fonts import CjkFont, cjk_font
from ..documents.pdf import Photo, a4_document, cjk_style, cjk_table, page_number_footer, photo_grid, plain
from .sections import Table, cell_text, chinese_numeral, outline

ISSUER = "十堰市城市管理综合执法局"
RED = colors.HexColor("#C00000")
LIGHT = colors.HexColor("#F2F2F2")
# Reads a photo's thumbnail by its sha256: None when the file is gone (the case is printed without it).
PhotoReader = Callable[[str], bytes | None]


@cache
def _styles(font: CjkFont) -> dict[str, ParagraphStyle]:
    def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        return cjk_style(name, font, size, leading, **kw)

    return {
        "issuer": style("issuer", 20, 26, alignment=TA_CENTER, textColor=RED),
        "title": style("title", 18, 26, alignment=TA_CENTER, spaceBefore=8),
        "meta": style("meta", 10, 15, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "heading": style("heading", 13, 22, spaceBefore=10),
        "table": style("table", 10.5, 16, spaceBefore=4, spaceAfter=2),
        "cell": style("cell", 9, 12),
        "number": style("number", 9, 12, alignment=TA_RIGHT),
        "caption": style("caption", 8.5, 11, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "broken": style("broken", 9, 12, alignment=TA_CENTER, textColor=colors.HexColor("#888888")),
        "empty": style("empty", 10, 15, textColor=colors.HexColor("#666666")),
    }


def _table(table: Table, width: float, font: CjkFont, zone: ZoneInfo) -> Any:
    st = _styles(font)
    head = [Paragraph(plain(c.title, font), st["cell"]) for c in table.columns]
    body = [
        [
            Paragraph(
                plain(cell_text(value, column.kind, zone), font),
                st["cell"] if column.kind == "text" else st["number"],
            )
            for value, column in zip(row, table.columns, strict=True)
        ]
        for row in table.rows
    ]
    # The text columns share what the number columns leave.
    numbers = sum(1 for c in table.columns if c.kind != "text")
    texts = len(table.columns) - numbers
    number_width = min(22 * mm, width / (len(table.columns) + 1))
    text_width = (width - numbers * number_width) / max(texts, 1)
    widths = [text_width if c.kind == "text" else number_width for c in table.columns]
    return cjk_table(
        [head, *body],
        font,
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ],
        colWidths=widths,
        repeatRows=1,
    )


def _cases(table: Table, width: float, font: CjkFont, read_photo: PhotoReader, zone: ZoneInfo) -> list:
    st = _styles(font)
    story: list = []
    for row, (before, after) in zip(table.rows, table.photos, strict=True):
        campaign, unit, item, closed_at = row
        text = f"{campaign} · {unit}：{item}（{cell_text(closed_at, 'time', zone)}办结）"
        photos = [
            Photo(jpeg=read_photo(photo["sha256"]) or b"", caption=caption)
            for photo, caption in ((before, "整改前"), (after, "整改后"))
        ]
        story += [
            CondPageBreak(60 * mm),
            Paragraph(plain(text, font), st["table"]),
            photo_grid(photos, width * 0.8, font, st["caption"], st["broken"], height=42 * mm),
        ]
    return story


def render_bulletin_pdf(
    figures: dict[str, Any],
    read_photo: PhotoReader,
    *,
    timezone: str,
    published: tuple[str, datetime] | None,
    font: CjkFont | None = None,
) -> bytes:
    """The bulletin as PDF bytes, its CJK font embedded; `published` is who published it and when."""
    font = font or cjk_font()
    st = _styles(font)
    zone = ZoneInfo(timezone)
    buf = io.BytesIO()
    doc = a4_document(
        buf, font, title=figures["title"], author=ISSUER, margins=(22 * mm, 22 * mm, 20 * mm, 24 * mm)
    )
    width = doc.width - 12
    start = datetime.fromisoformat(figures["start"]).astimezone(zone)
    end = datetime.fromisoformat(figures["end"]).astimezone(zone)
    generated = datetime.fromisoformat(figures["generated_at"]).astimezone(zone)
    last_day = end - timedelta(days=1)
    meta = f"统计期间：{format_date(start)}至{format_date(last_day)} · 数据截至{format_datetime(generated)}"
    status = (
        f"{published[0]}于{format_datetime(published[1].astimezone(zone))}发布"
        if published
        else "草稿（未发布）"
    )
    story: list = [
        Paragraph(ISSUER, st["issuer"]),
        HRFlowable(width="100%", thickness=1.6, color=RED, spaceBefore=6, spaceAfter=2),
        Paragraph(plain(figures["title"], font), st["title"]),
        Paragraph(plain(meta, font), st["meta"]),
        Paragraph(plain(status, font), st["meta"]),
        Spacer(1, 6),
    ]
    for number, (_key, heading, tables) in enumerate(outline(figures), start=1):
        story += [CondPageBreak(40 * mm), Paragraph(f"{chinese_numeral(number)}、{heading}", st["heading"])]
        for table in tables:
            story.append(Paragraph(plain(table.title, font), st["table"]))
            if not table.rows:
                story.append(Paragraph("本期无。", st["empty"]))
            elif table.photos:
                story += _cases(table, width, font, read_photo, zone)
            else:
                story.append(_table(table, width, font, zone))
    footer = page_number_footer(font, A4[0])
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
