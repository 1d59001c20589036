"""The unit rectification notice (整改通知书) for a rating, as a PDF and as the facts its page shows.

Always in Chinese, like the finding's notice: an official document of the bureau. The letterhead,
signature and verification block are the finding notice's; fonts and text come from server.documents.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import anyio.to_thread
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph

from ..documents.dates import format_date, format_datetime
from ..documents.fonts import CjkFont, cjk_font
from ..documents.pdf import page_number_footer, paragraphs, plain
from ..findings.notice import ISSUER
from ..findings.notice_pdf import (
    letterhead,
    notice_document,
    notice_styles,
    signature_block,
    verification_block,
)
from ..models import UnitNotice
from ..settings import Settings
from .consequence_rules import RATING_ZH

REQUIREMENTS = (
    "请你单位对照上述问题，认真剖析原因，制定整改措施，明确责任人和完成时限，"
    "于整改期限前将整改情况书面报送我局履职督查办（可通过巡查系统提交）。"
    "逾期未整改或整改不到位的，将予以通报批评，并约谈单位主要负责人。"
)


@dataclass(frozen=True)
class UnitNoticeData:
    number: str
    issuer: str
    recipient_unit: str
    period: str
    rating: str
    problems: str
    deadline: datetime
    issued_at: datetime
    requirements: str
    verify_url: str | None

    @property
    def deadline_text(self) -> str:
        # A deadline given as a day ends at 23:59 of it: the day is what the notice says.
        if (self.deadline.hour, self.deadline.minute) == (23, 59):
            return format_date(self.deadline)
        return format_datetime(self.deadline)


def period_text(key: str) -> str:
    """2026 -> 2026年度, 2026-Q3 -> 2026年第三季度, 2026-10 -> 2026年10月."""
    year = key[:4]
    if "-Q" in key:
        return f"{year}年第{'一二三四'[int(key[-1]) - 1]}季度"
    if "-" in key:
        return f"{year}年{int(key[5:])}月"
    return f"{year}年度"


def unit_notice_data(notice: UnitNotice, settings: Settings) -> UnitNoticeData:
    zone = ZoneInfo(settings.timezone)
    return UnitNoticeData(
        number=notice.number,
        issuer=ISSUER,
        recipient_unit=notice.unit.name_zh,
        period=period_text(notice.period),
        rating=RATING_ZH.get(notice.rating, "无数据"),
        problems=notice.problems,
        deadline=notice.deadline.astimezone(zone),
        issued_at=notice.issued_at.astimezone(zone),
        requirements=REQUIREMENTS,
        verify_url=f"{settings.public_url}/assessment/notices/{notice.id}" if settings.public_url else None,
    )


def opening(data: UnitNoticeData) -> str:
    return (
        f"根据{data.period}履职尽责督促检查考核结果，你单位考核等次为“{data.rating}”。"
        "现将存在的主要问题通知如下，请限期整改。"
    )


def render_unit_notice_pdf(data: UnitNoticeData, font: CjkFont) -> bytes:
    st = notice_styles(font)
    buf = io.BytesIO()
    doc = notice_document(buf, font, data.number, data.issuer, f"{data.period} · {data.recipient_unit}")
    width = doc.width - 12
    story: list = [
        *letterhead(data.issuer, data.number, data.recipient_unit, font),
        Paragraph(plain(opening(data), font), st["body"]),
        Paragraph("一、存在的主要问题", st["heading"]),
        *paragraphs(data.problems, st["body"], font),
        Paragraph("二、整改要求", st["heading"]),
        Paragraph(
            f"请你单位于<u>{data.deadline_text}</u>前整改到位。" + plain(data.requirements, font), st["body"]
        ),
        signature_block(data.issuer, data.issued_at, width, font),
        *verification_block(data.verify_url, width, font),
    ]
    footer = page_number_footer(font, A4[0])
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


async def unit_notice_pdf(notice: UnitNotice, settings: Settings) -> bytes:
    """The PDF, drawn off the event loop; 503 without a usable CJK font."""
    font = await anyio.to_thread.run_sync(cjk_font, settings.pdf_font)
    return await anyio.to_thread.run_sync(render_unit_notice_pdf, unit_notice_data(notice, settings), font)
