"""The rectification notice (整改通知书) as a PDF: pure and synchronous, run in a worker thread.

The layout is the notice's own; fonts, text, photos, dates and QR codes come from server.documents.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)

from ..documents.dates import CHINA_TZ, format_date, format_datetime
from ..documents.fonts import CjkFont, cjk_font
from ..documents.pdf import (
    Photo,
    a4_document,
    cjk_style,
    cjk_table,
    page_number_footer,
    paragraphs,
    photo_grid,
    plain,
)
from ..documents.qr import QrFlowable

__all__ = [
    "CHINA_TZ",
    "MAX_PHOTOS",
    "NO_PUBLIC_URL",
    "NoticeData",
    "NoticePhoto",
    "format_date",
    "format_datetime",
    "letterhead",
    "notice_document",
    "notice_styles",
    "render_notice_pdf",
    "signature_block",
    "verification_block",
]

MAX_PHOTOS = 4
RED = colors.HexColor("#C00000")
LIGHT = colors.HexColor("#F2F2F2")
# Printed instead of a verification address when the server does not know its public address:
# better said plainly than an address taken from whatever Host a request happened to carry.
NO_PUBLIC_URL = "本系统未设置公开网址，无法印制核验地址和二维码；请登录巡查系统，按通知书编号核对本通知。"
VERIFY_HINT = "扫描二维码或访问上述地址，登录巡查系统核对本通知。"

NoticePhoto = Photo


@dataclass(frozen=True)
class NoticeData:
    number: str
    issuer: str
    recipient_unit: str
    campaign_name: str
    lead_name: str
    finding_title: str
    severity: str
    finding_note: str
    location: str
    found_at: datetime
    issued_at: datetime
    deadline: datetime
    measures: str
    requirements: str
    photos: tuple[NoticePhoto, ...] = ()
    verify_url: str | None = None  # the full address; None when no public address is set
    # How the problem came to light, in the words the source calls for (notice.discovery_text).
    discovery: str = ""


@cache
def notice_styles(font: CjkFont) -> dict[str, ParagraphStyle]:
    def style(name: str, size: float, leading: float, **kw) -> ParagraphStyle:
        return cjk_style(name, font, size, leading, **kw)

    return {
        "body": style("body", 12, 21, firstLineIndent=24, alignment=TA_JUSTIFY),
        "issuer": style("issuer", 20, 26, alignment=TA_CENTER, textColor=RED),
        "title": style("title", 24, 32, alignment=TA_CENTER, spaceBefore=10),
        "number": style("number", 12, 18, alignment=TA_CENTER, spaceBefore=4),
        "recipient": style("recipient", 12, 21, spaceBefore=12, spaceAfter=4),
        "heading": style("heading", 12.5, 22, spaceBefore=8),
        "cell": style("cell", 10.5, 16),
        "key": style("key", 10.5, 16, alignment=TA_CENTER),
        "caption": style("caption", 9, 12, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "broken": style("broken", 11, 16, alignment=TA_CENTER, textColor=colors.HexColor("#888888")),
        "sign": style("sign", 12, 21, alignment=TA_CENTER),
        "small": style("small", 8.5, 12, textColor=colors.HexColor("#555555")),
    }


def _photos(photos: tuple[NoticePhoto, ...], width: float, font: CjkFont) -> list:
    st = notice_styles(font)
    grid = photo_grid(photos[:MAX_PHOTOS], width, font, st["caption"], st["broken"])
    if len(photos) <= MAX_PHOTOS:
        return [grid]
    more = f"另有{len(photos) - MAX_PHOTOS}张照片，请在巡查系统中查看。"
    return [grid, Paragraph(more, st["caption"])]


def _facts_table(n: NoticeData, width: float, font: CjkFont) -> Table:
    st = notice_styles(font)
    rows = [
        ("专项整治", n.campaign_name),
        ("问题", n.finding_title),
        ("严重程度", n.severity),
        ("地点", n.location),
        ("发现时间", format_datetime(n.found_at)),
        ("整改期限", format_datetime(n.deadline)),
        ("牵头领导", n.lead_name),
    ]
    data = [[Paragraph(k, st["key"]), Paragraph(plain(v, font), st["cell"])] for k, v in rows]
    return cjk_table(
        data,
        font,
        [
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("BACKGROUND", (0, 0), (0, -1), LIGHT),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ],
        colWidths=[26 * mm, width - 26 * mm],
    )


def _section(heading: str, body: list, font: CjkFont, room: float = 30 * mm) -> list:
    # A heading never ends a page alone: it moves on with less than `room` left, which covers
    # its first unsplittable piece (the facts table, a row of photos); the rest flows on.
    return [CondPageBreak(room), Paragraph(heading, notice_styles(font)["heading"]), *body]


def verification_block(verify_url: str | None, width: float, font: CjkFont) -> list:
    """The verification address and its QR code, or a line saying no public address is set."""
    small = notice_styles(font)["small"]
    if not verify_url:
        return [Spacer(1, 14), Paragraph(NO_PUBLIC_URL, small)]
    qr_size = 24 * mm
    text = [
        Paragraph("核验地址：" + plain(verify_url, font), small),
        Spacer(1, 3),
        Paragraph(VERIFY_HINT, small),
    ]
    block = cjk_table(
        [[QrFlowable(verify_url, qr_size), text]],
        font,
        [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (0, 0), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ],
        colWidths=[qr_size + 4, width - qr_size - 4],
    )
    return [Spacer(1, 10), KeepTogether([block])]


def letterhead(issuer: str, number: str, recipient: str, font: CjkFont) -> list:
    """The issuer in red over a red rule, the title 整改通知书, the number and the recipient."""
    st = notice_styles(font)
    return [
        Paragraph(plain(issuer, font), st["issuer"]),
        HRFlowable(width="100%", thickness=1.6, color=RED, spaceBefore=6, spaceAfter=2),
        Paragraph("整改通知书", st["title"]),
        Paragraph(plain(number, font), st["number"]),
        Paragraph(plain(recipient, font) + "：", st["recipient"]),
    ]


def signature_block(issuer: str, issued_at: datetime, width: float, font: CjkFont) -> KeepTogether:
    """The issuer and the date at the right, the two lines centred on each other (GB/T 9704)."""
    st = notice_styles(font)
    lines = [plain(issuer, font), format_date(issued_at)]
    signature = cjk_table(
        [[Paragraph(line, st["sign"])] for line in lines],
        font,
        [("RIGHTPADDING", (0, 0), (-1, -1), 12)],
        colWidths=min(width * 0.55, 12 * max(len(issuer), 8) + 24),
        hAlign="RIGHT",
    )
    return KeepTogether([Spacer(1, 18), signature])


def notice_document(
    out: io.BytesIO, font: CjkFont, number: str, issuer: str, subject: str
) -> SimpleDocTemplate:
    """An A4 notice with the margins of GB/T 9704 and its title, author and subject set."""
    return a4_document(
        out,
        font,
        title=f"整改通知书 {number}",
        author=issuer,
        margins=(28 * mm, 26 * mm, 22 * mm, 24 * mm),
        subject=subject,
    )


def render_notice_pdf(notice: NoticeData, font: CjkFont | None = None) -> bytes:
    """The notice as PDF bytes, its CJK font embedded; `font` defaults to the one the search finds."""
    font = font or cjk_font()
    st = notice_styles(font)
    buf = io.BytesIO()
    doc = notice_document(
        buf,
        font,
        notice.number,
        notice.issuer,
        f"{notice.campaign_name} · {notice.finding_title} · {notice.recipient_unit}",
    )
    width = doc.width - 12  # the frame keeps 6 pt of padding on each side
    p = lambda text: plain(text, font)  # noqa: E731 - short, and only for the story below
    story: list = [
        *letterhead(notice.issuer, notice.number, notice.recipient_unit, font),
        Paragraph(
            f"在{p(notice.campaign_name)}工作中，"
            + (
                p(notice.discovery)
                if notice.discovery
                else f"我局巡查人员于{format_datetime(notice.found_at)}在{p(notice.location)}巡查发现"
            )
            + f"，你单位责任范围内存在“{p(notice.finding_title)}”"
            f"问题（严重程度：{p(notice.severity)}）。现将有关情况通知如下。",
            st["body"],
        ),
        Paragraph(
            f"请你单位高度重视，按照本专项整治措施，于<u>{format_datetime(notice.deadline)}</u>前"
            "整改到位，并将整改情况报送我局。",
            st["body"],
        ),
    ]
    facts: list = [_facts_table(notice, width, font), Spacer(1, 6)]
    if notice.finding_note.strip():
        # The note flows as paragraphs, not a table cell: a cell cannot split across pages.
        facts += _section("现场情况：", paragraphs(notice.finding_note, st["body"], font), font)
    sections = [
        ("问题情况", facts),
        ("整治措施", paragraphs(notice.measures, st["body"], font)),
        ("整改要求", paragraphs(notice.requirements, st["body"], font)),
        ("现场照片", _photos(notice.photos, width, font) if notice.photos else []),
    ]
    # Empty sections are left out, so the numbering stays unbroken.
    rooms = {"问题情况": 75 * mm, "现场照片": 95 * mm}
    for numeral, (heading, body) in zip("一二三四", [s for s in sections if s[1]], strict=False):
        story += _section(f"{numeral}、{heading}", body, font, rooms.get(heading, 30 * mm))
    story.append(signature_block(notice.issuer, notice.issued_at, width, font))
    story += verification_block(notice.verify_url, width, font)
    footer = page_number_footer(font, A4[0])
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
