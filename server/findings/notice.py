"""The rectification notice (整改通知书) of an assigned finding: its facts, as a page and as a PDF.

The notice is always in Chinese: it is an official document of the bureau, whatever
language the person reading the desk prefers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Request
from litestar.di import NamedDependency, Provide

from ..api import FindingId
from ..deps import FindingsDep, PhotosDep, SettingsDep
from ..documents.fonts import cjk_font
from ..documents.qr import qr_svg
from ..errors import Conflict
from ..i18n import gettext as _
from ..models import CheckKind, Photo, UnitKind, User
from ..photos.service import PhotoService
from ..photos.store import PhotoMissing, PhotoStore, derived_key
from ..settings import Settings
from .notice_pdf import NO_PUBLIC_URL, NoticeData, NoticePhoto, format_datetime, render_notice_pdf
from .service import FindingDetail

ISSUER = "十堰市城市管理综合执法局"
SEVERITY_ZH = {"minor": "一般", "major": "较重", "critical": "严重"}
REQUIREMENTS = (
    "请责任单位于整改期限前完成整改，并通过巡查系统提交整改后照片（须在问题现场拍摄）。"
    "逾期未整改或整改不到位的，将予以通报，并纳入年度履职考评。"
)
MAX_PHOTOS = 4
COMPLAINT_SOURCES_ZH = {
    "hotline_12319": "12319热线",
    "web": "网络",
    "letter": "来信",
    "visit": "来访",
    "media": "媒体",
    "referral": "上级交办",
}


def discovery_text(detail: FindingDetail, found: str, location: str) -> str:
    """Who found the problem, as the notice says it: our patrol, a third party's unannounced check
    (never the person: the notice goes to the inspected unit), or a public complaint."""
    check = detail.check
    if detail.complaint_source:
        source = COMPLAINT_SOURCES_ZH.get(detail.complaint_source, "")
        return f"经群众举报（{source}），我局于{found}在{location}核查发现"
    if check.kind == CheckKind.unannounced:
        unit = check.author.unit
        who = f"第三方监督单位{unit.name_zh}" if unit.kind == UnitKind.third_party else "第三方"
        return f"{who}于{found}在{location}暗访发现"
    return f"我局巡查人员于{found}在{location}巡查发现"


def verify_url(settings: Settings, finding_id: int) -> str | None:
    """The finding's full address for the printed notice, or None when no public address is set:
    the Host header of whoever printed it is no address to print on an official document."""
    return f"{settings.public_url}/findings/{finding_id}" if settings.public_url else None


def notice_data(
    detail: FindingDetail, settings: Settings, store: PhotoStore, *, with_photos: bool = True
) -> NoticeData:
    """The notice's facts; `with_photos` reads the display copies from disk (for the PDF only)."""
    finding, check = detail.finding, detail.check
    if finding.notice_number is None or finding.deadline is None or finding.assigned_unit is None:
        raise Conflict(
            _("A rectification notice is issued when the finding is assigned; this one is not yet."),
            code="no_notice",
            extra={"finding_status": finding.status},
        )
    answer_note = next((a.note for a in check.answers if a.item_id == finding.item_id), "")
    zone = ZoneInfo(settings.timezone)
    place = finding.site.name_zh + "，" if finding.site else ""
    location = f"{place}北纬{finding.lat:.5f}°，东经{finding.lon:.5f}°"
    photos = []
    shown = [p for p in detail.check_photos if p.received_at][:MAX_PHOTOS] if with_photos else []
    for index, photo in enumerate(shown, start=1):
        try:
            jpeg = store.get(derived_key("display", photo.sha256 or ""))
        except (PhotoMissing, OSError):
            continue  # not made (an undecodable photo), or the store is away: the notice goes without
        taken = photo.taken_at or check.recorded_at
        photos.append(
            NoticePhoto(jpeg=jpeg, caption=f"现场照片 {index} · {format_datetime(taken.astimezone(zone))}")
        )
    return NoticeData(
        number=finding.notice_number,
        issuer=ISSUER,
        recipient_unit=finding.assigned_unit.name_zh,
        campaign_name=finding.campaign.name_zh + "专项整治",
        lead_name=finding.campaign.lead.display_name,
        finding_title=finding.item.text_zh,
        severity=SEVERITY_ZH.get(finding.severity, finding.severity),
        finding_note=answer_note or check.note,
        location=location,
        found_at=finding.found_at.astimezone(zone),
        issued_at=(finding.assigned_at or finding.created_at).astimezone(zone),
        deadline=finding.deadline.astimezone(zone),
        measures=finding.campaign.measures_zh,
        requirements=REQUIREMENTS,
        photos=tuple(photos),
        verify_url=verify_url(settings, finding.id),
        discovery=discovery_text(detail, format_datetime(finding.found_at.astimezone(zone)), location),
    )


@dataclass(frozen=True)
class FindingNotice:
    """The notice of the finding a route's path names, as the reader may see it (a handler's
    `notice: NoticeDep`, see NOTICE): as a page or as a PDF."""

    detail: FindingDetail
    photos: PhotoService
    settings: Settings

    async def pdf(self) -> tuple[bytes, str]:
        """The PDF and the notice's number."""
        for photo in self.shown_photos():
            try:
                await self.photos.copies_ready(photo)  # made now when the background has not yet
            except Conflict:
                pass
        # Finding (and, the first time, reading) the font, reading the photos and drawing the PDF are
        # blocking work: all off the event loop. Without a font this answers 503 before reading photos.
        font = await anyio.to_thread.run_sync(cjk_font, self.settings.pdf_font)
        data = await anyio.to_thread.run_sync(
            lambda: notice_data(self.detail, self.settings, self.photos.store)
        )
        return await anyio.to_thread.run_sync(render_notice_pdf, data, font), data.number

    def context(self) -> dict[str, Any]:
        # The page shows the photos by URL; nothing is read from disk for it.
        data = notice_data(self.detail, self.settings, self.photos.store, with_photos=False)
        return {
            "finding": self.detail.finding,
            "notice": data,
            "verify_qr": qr_svg(data.verify_url, "核验二维码") if data.verify_url else None,
            "no_public_url": NO_PUBLIC_URL,
            "photo_uuids": [p.uuid for p in self.shown_photos()],
        }

    def shown_photos(self) -> list[Photo]:
        return [p for p in self.detail.check_photos if p.received_at][:MAX_PHOTOS]


async def _finding_notice(
    request: Request[User, Any, Any],
    finding_id: FindingId,
    findings: FindingsDep,
    photos: PhotosDep,
    settings: SettingsDep,
) -> FindingNotice:
    return FindingNotice(await findings.detail(request.user, finding_id), photos, settings)


NOTICE = {"notice": Provide(_finding_notice)}
NoticeDep = NamedDependency[FindingNotice]
