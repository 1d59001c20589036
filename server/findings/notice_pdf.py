"""The rectification notice (整改通知书) as a PDF: pure and synchronous, run in a worker thread."""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

import reportlab.platypus.paragraph as rl_paragraph
from PIL import Image as PILImage
from reportlab.lib import colors, textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import CIDFontInfo, UnicodeCIDFont, structToPDF
from reportlab.platypus import (
    CondPageBreak,
    HRFlowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)

MAX_PHOTOS = 4
# China has no daylight saving time, so a fixed offset is exact and needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8))
RED = colors.HexColor("#C00000")
GREY, LIGHT = colors.HexColor("#888888"), colors.HexColor("#F2F2F2")


@dataclass(frozen=True)
class NoticePhoto:
    jpeg: bytes
    caption: str


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
    verify_url: str | None = None
    # How the problem came to light, in the words the source calls for (notice.discovery_text).
    discovery: str = ""


class _ExtractableCIDFont(UnicodeCIDFont):
    """STSong-Light (a reader-resident Adobe font, nothing embedded) with its text made extractable.

    ReportLab writes UTF-16BE codes under the predefined UniGB-UCS2-H CMap and no ToUnicode.
    pypdf happens to decode any "-UCS2-" encoding as UTF-16BE, but poppler and others go
    code -> CID -> Unicode through Adobe-GB1 and lose characters (é, ½, ...); and UniGB-UCS2-H
    has no code for "·" (U+00B7), which then prints as a box in every reader. UniGB-UTF16-H reads
    the very bytes ReportLab writes and maps more; a ToUnicode makes extraction exact everywhere.
    """

    def __init__(self, face: str, name: str):
        super().__init__(face)
        # Our own registry name, so another module registering plain STSong-Light cannot swap ours out.
        self.name = self.fontName = name

    def formatForPdf(self, text):
        used = getattr(_render, "chars", None)
        if used is not None:
            used.update(text)  # only this thread's render adds to its own set
        return super().formatForPdf(text)

    def addObjects(self, doc):
        internal = "F" + repr(len(doc.fontMapping) + 1)
        # ReportLab's own addObjects writes into the shared CIDFontInfo dict; copying it keeps
        # concurrent renders in different threads from seeing each other's /Name.
        info = dict(CIDFontInfo[self.face.name], Name="/" + internal, Encoding="/UniGB-UTF16-H")
        font = structToPDF(info)
        font.dict["ToUnicode"] = doc.Reference(_ToUnicode(), "XunchaToUnicode")
        doc.idToObject["BasicFonts"].dict[internal] = doc.Reference(font, internal)
        doc.fontMapping[self.name] = "/" + internal
        doc._pdfVersion = max(doc._pdfVersion, (1, 5))  # the UTF16 CMaps arrived in PDF 1.5


# The characters drawn by the render running on this thread. A ToUnicode for the whole BMP
# takes pypdf most of a second to parse on every page, so each notice maps only what it shows.
_render = threading.local()


class _ToUnicode(pdfdoc.PDFStream):
    def format(self, document):
        # Streams are serialised when the document is saved, after every string has been drawn.
        used = getattr(_render, "chars", None)
        codes = sorted(ord(c) for c in used) if used is not None else range(0xFFFF + 1)
        # Runs of consecutive codes become one bfrange, which may only step its last byte.
        runs: list[list[int]] = []
        for code in codes:
            if runs and code == runs[-1][1] + 1 and code & 0xFF:
                runs[-1][1] = code
            elif not 0xD800 <= code <= 0xDFFF:  # never drawn: _plain() keeps to the BMP
                runs.append([code, code])
        entries = [f"<{lo:04X}> <{hi:04X}> <{lo:04X}>" for lo, hi in runs]
        lines = []
        for i in range(0, len(entries), 100):  # at most 100 entries per block
            lines += [f"{len(entries[i : i + 100])} beginbfrange", *entries[i : i + 100], "endbfrange"]
        self.content = "\n".join(
            [
                "/CIDInit /ProcSet findresource begin",
                "12 dict begin",
                "begincmap",
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                "/CMapName /Adobe-Identity-UCS def",
                "/CMapType 2 def",
                "3 begincodespacerange",
                "<0000> <D7FF>",
                "<D800DC00> <DBFFDFFF>",
                "<E000> <FFFF>",
                "endcodespacerange",
                *lines,
                "endcmap",
                "CMapName currentdict /CMap defineresource pop",
                "end",
                "end",
                "",
            ]
        )
        return super().format(document)


FONT = "XunchaSTSong"
# ReportLab's line-start prohibitions (kinsoku) are Japanese: they lack the full-width Chinese
# marks, so "，" could open a line. GB/T 15834 forbids that in any CJK text, so extending the
# shared lists (one per wrapping path) can only improve other Paragraphs in the process too.
for _module in (rl_paragraph, textsplit):
    _module.ALL_CANNOT_START += "".join(set("，；：！？）》〉”’…％·") - set(_module.ALL_CANNOT_START))
# Registering at import runs under the import lock, so worker threads never race on it.
pdfmetrics.registerFont(_ExtractableCIDFont("STSong-Light", FONT))


def _style(name: str, size: float, leading: float, **kw) -> ParagraphStyle:
    # wordWrap="CJK" breaks between any two ideographs (Chinese has no spaces) and applies the
    # kinsoku rules extended above.
    return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=leading, wordWrap="CJK", **kw)


BODY = _style("body", 12, 21, firstLineIndent=24, alignment=TA_JUSTIFY)
STYLES = {
    "issuer": _style("issuer", 20, 26, alignment=TA_CENTER, textColor=RED),
    "title": _style("title", 24, 32, alignment=TA_CENTER, spaceBefore=10),
    "number": _style("number", 12, 18, alignment=TA_CENTER, spaceBefore=4),
    "recipient": _style("recipient", 12, 21, spaceBefore=12, spaceAfter=4),
    "heading": _style("heading", 12.5, 22, spaceBefore=8),
    "cell": _style("cell", 10.5, 16),
    "key": _style("key", 10.5, 16, alignment=TA_CENTER),
    "caption": _style("caption", 9, 12, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
    "broken": _style("broken", 11, 16, alignment=TA_CENTER, textColor=GREY),
    "sign": _style("sign", 12, 21, alignment=TA_CENTER),
    "small": _style("small", 8.5, 12, textColor=colors.HexColor("#555555")),
}

# C0 controls other than tab and newline would reach the PDF as stray glyph codes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ASTRAL = re.compile(r"[\U00010000-\U0010FFFF]")


def _plain(text: str) -> str:
    """Officer-typed text as Paragraph markup that can only ever mean itself."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Beyond the BMP (emoji, rare CJK extension characters) STSong-Light has few glyphs and our
    # ToUnicode no entries; 〓 is the customary Chinese typesetting mark for a missing character.
    text = _ASTRAL.sub("〓", text)
    return escape(text).replace("\n", "<br/>")


def _paragraphs(text: str) -> list[Paragraph]:
    return [Paragraph(_plain(line.strip()), BODY) for line in text.splitlines() if line.strip()]


def format_date(moment: datetime, with_time: bool = False) -> str:
    # Aware times (the server's UTC) are shown in Beijing time; naive ones are taken as local already.
    m = moment.astimezone(CHINA_TZ) if moment.tzinfo else moment
    # GB/T 9704: year in full, month and day without a leading zero.
    return f"{m.year}年{m.month}月{m.day}日" + (f" {m:%H:%M}" if with_time else "")


def format_datetime(moment: datetime) -> str:
    return format_date(moment, with_time=True)


def _photo_cell(photo: NoticePhoto, width: float, height: float) -> list:
    caption = Paragraph(_plain(photo.caption), STYLES["caption"])
    try:
        # ReportLab copies a JPEG into the PDF without decoding it, so a truncated or corrupt file
        # would only fail inside doc.build, losing the whole notice: decode it fully first.
        with PILImage.open(io.BytesIO(photo.jpeg)) as decoded:
            decoded.load()
        w, h = ImageReader(io.BytesIO(photo.jpeg)).getSize()
    except Exception:  # any undecodable photo becomes a placeholder, never a failed notice
        box = Table([[Paragraph("照片无法显示", STYLES["broken"])]], colWidths=width, rowHeights=height * 0.6)
        box.setStyle([("BOX", (0, 0), (-1, -1), 0.5, GREY), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
        return [box, caption]
    scale = min(width / w, height / h)
    return [Image(io.BytesIO(photo.jpeg), width=w * scale, height=h * scale), caption]


def _photo_grid(photos: tuple[NoticePhoto, ...], width: float) -> list:
    gap = 6 * mm
    cell_w = (width - gap) / 2
    cells = [_photo_cell(p, cell_w, 62 * mm) for p in photos[:MAX_PHOTOS]]
    cells += [""] * (len(cells) % 2)
    grid = Table([cells[i : i + 2] for i in range(0, len(cells), 2)], colWidths=[width / 2] * 2)
    grid.setStyle(
        [
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (-1, -1), gap / 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), gap / 4),
        ]
    )
    if len(photos) <= MAX_PHOTOS:
        return [grid]
    more = f"另有{len(photos) - MAX_PHOTOS}张照片，请在巡查系统中查看。"
    return [grid, Paragraph(more, STYLES["caption"])]


def _facts_table(n: NoticeData, width: float) -> Table:
    rows = [
        ("专项整治", n.campaign_name),
        ("问题", n.finding_title),
        ("严重程度", n.severity),
        ("地点", n.location),
        ("发现时间", format_datetime(n.found_at)),
        ("整改期限", format_datetime(n.deadline)),
        ("牵头领导", n.lead_name),
    ]
    data = [[Paragraph(k, STYLES["key"]), Paragraph(_plain(v), STYLES["cell"])] for k, v in rows]
    table = Table(data, colWidths=[26 * mm, width - 26 * mm])
    table.setStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("BACKGROUND", (0, 0), (0, -1), LIGHT),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]
    )
    return table


def _section(heading: str, body: list, room: float = 30 * mm) -> list:
    # A heading never ends a page alone: it moves on with less than `room` left, which covers
    # its first unsplittable piece (the facts table, a row of photos); the rest flows on.
    return [CondPageBreak(room), Paragraph(heading, STYLES["heading"]), *body]


def _page_number(canvas, doc) -> None:
    # Official documents number pages "— 1 —", centred in the bottom margin.
    canvas.saveState()
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(A4[0] / 2, 14 * mm, f"— {doc.page} —")
    canvas.restoreState()


def render_notice_pdf(notice: NoticeData) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=22 * mm,
        bottomMargin=24 * mm,
        title=f"整改通知书 {notice.number}",
        author=notice.issuer,
        subject=f"{notice.campaign_name} · {notice.finding_title} · {notice.recipient_unit}",
        creator="Xuncha",
        lang="zh-CN",
        displayDocTitle=1,
    )
    width = doc.width - 12  # the frame keeps 6 pt of padding on each side
    story: list = [
        Paragraph(_plain(notice.issuer), STYLES["issuer"]),
        HRFlowable(width="100%", thickness=1.6, color=RED, spaceBefore=6, spaceAfter=2),
        Paragraph("整改通知书", STYLES["title"]),
        Paragraph(_plain(notice.number), STYLES["number"]),
        Paragraph(_plain(notice.recipient_unit) + "：", STYLES["recipient"]),
        Paragraph(
            f"在{_plain(notice.campaign_name)}工作中，{_plain(notice.discovery)}"
            f"，你单位责任范围内存在“{_plain(notice.finding_title)}”"
            f"问题（严重程度：{_plain(notice.severity)}）。现将有关情况通知如下。",
            BODY,
        ),
        Paragraph(
            f"请你单位高度重视，按照本专项整治措施，于<u>{format_datetime(notice.deadline)}</u>前"
            "整改到位，并将整改情况报送我局。",
            BODY,
        ),
    ]
    facts: list = [_facts_table(notice, width), Spacer(1, 6)]
    if notice.finding_note.strip():
        # The note flows as paragraphs, not a table cell: a cell cannot split across pages.
        facts += _section("现场情况：", _paragraphs(notice.finding_note))
    sections = [
        ("问题情况", facts),
        ("整治措施", _paragraphs(notice.measures)),
        ("整改要求", _paragraphs(notice.requirements)),
        ("现场照片", _photo_grid(notice.photos, width) if notice.photos else []),
    ]
    # Empty sections are left out, so the numbering stays unbroken.
    rooms = {"问题情况": 75 * mm, "现场照片": 95 * mm}
    for numeral, (heading, body) in zip("一二三四", [s for s in sections if s[1]], strict=False):
        story += _section(f"{numeral}、{heading}", body, rooms.get(heading, 30 * mm))
    # The signature block sits right, its two lines centred on each other, as GB/T 9704 lays it out.
    lines = [_plain(notice.issuer), format_date(notice.issued_at)]
    signature = Table(
        [[Paragraph(line, STYLES["sign"])] for line in lines],
        colWidths=min(width * 0.55, 12 * max(len(notice.issuer), 8) + 24),
        hAlign="RIGHT",
    )
    signature.setStyle([("RIGHTPADDING", (0, 0), (-1, -1), 12)])
    story.append(KeepTogether([Spacer(1, 18), signature]))
    if notice.verify_url:
        story += [Spacer(1, 14), Paragraph("核验地址：" + _plain(notice.verify_url), STYLES["small"])]
    _render.chars = set()
    try:
        doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    finally:
        del _render.chars
    return buf.getvalue()
