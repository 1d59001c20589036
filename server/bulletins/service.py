"""Bulletins: drafted by the office for a period that has ended, regenerated while a draft,
published once; who may read which (docs/bulletins.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from ..api import MAX_ROW_ID
from ..assessment.periods import Period, parse_period
from ..assessment.scores import ScoreService
from ..audit.chain import AuditLog, canonical
from ..complaints.indicators import ComplaintIndicatorService
from ..db import Database
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..i18n import gettext as _
from ..labels import N_
from ..models import BULLETIN_KINDS, Bulletin, Campaign, Role, User, utcnow
from ..settings import Settings
from .figures import Scope, load_sources
from .sections import build_sections

MONTHS_OF_KIND = {"monthly": 1, "quarterly": 3, "annual": 12}
DOCUMENT_ZH = {"monthly": "月通报", "quarterly": "季度总结", "annual": "年度报告"}
QUARTERS_ZH = "一二三四"
FIELDS = ("kind", "period", "campaign")
# What a period must look like for each kind of bulletin.
SHAPES = {
    "monthly": N_("A monthly bulletin reports a month, such as 2026-10."),
    "quarterly": N_("A quarterly summary reports a quarter, such as 2026-Q3."),
    "annual": N_("An annual report reports a year, such as 2026."),
}
AUDIT_ACTIONS = {"publish": "bulletin.published", "regenerate": "bulletin.regenerated"}


def period_text(period: Period) -> str:
    """2026年10月, 2026年第三季度, 2026年度."""
    year = period.first_month.year
    if period.months == 1:
        return f"{year}年{period.first_month.month}月"
    if period.months == 3:
        return f"{year}年第{QUARTERS_ZH[(period.first_month.month - 1) // 3]}季度"
    return f"{year}年度"


def title_of(kind: str, period: Period, campaign_zh: str | None) -> str:
    subject = f"{campaign_zh}专项整治" if campaign_zh else "履职尽责督促检查"
    return f"{period_text(period)}{subject}{DOCUMENT_ZH[kind]}"


def _field(name: str, message: str) -> dict[str, str]:
    return {"field": name, "message": message}


@dataclass(eq=False)
class BulletinService:
    db: Database
    settings: Settings
    scores: ScoreService
    complaints: ComplaintIndicatorService
    # The moment "now" is read from: whether a period has ended, what is overdue.
    clock: Callable[[], datetime] = utcnow
    _: KW_ONLY
    # The three assessments (ResponsibilityService) and the records that followed from the
    # ratings (ConsequenceService); a bulletin without them leaves those sections out.
    responsibility: Any = None
    consequences: Any = None

    # --- input -------------------------------------------------------------------------

    async def request_from(self, body: Any) -> tuple[str, Period, Campaign | None]:
        """The body's kind, period and campaign, or 422 naming every field that is wrong."""
        if not isinstance(body, dict):
            raise Invalid(_("The body must be a JSON object."), errors=[_field("", _("Expected an object."))])
        errors = [
            _field(str(key)[:40], _("Unknown field: send kind, period and campaign."))
            for key in body
            if key not in FIELDS
        ]
        kind = body.get("kind")
        if kind not in BULLETIN_KINDS:
            errors.append(_field("kind", _("kind must be monthly, quarterly or annual.")))
        period: Period | None = None
        try:
            period = parse_period(body.get("period") if isinstance(body.get("period"), str) else None)
        except Invalid as exc:
            errors += exc.errors
        if period is not None and kind in MONTHS_OF_KIND and period.months != MONTHS_OF_KIND[kind]:
            errors.append(_field("period", _(SHAPES[kind])))
        elif period is not None and period.bounds(self.settings.timezone)[1] > self.clock():
            errors.append(
                _field(
                    "period",
                    _(
                        "%(period)s has not ended yet: a bulletin reports a period that is over.",
                        period=period.key,
                    ),
                )
            )
        code = body.get("campaign")
        campaign = None
        if code is not None:
            async with self.db.read() as session:
                campaign = (
                    (await session.execute(select(Campaign).where(Campaign.code == str(code)[:40])))
                    .unique()
                    .scalar_one_or_none()
                )
            if campaign is None or not isinstance(code, str):
                errors.append(_field("campaign", _("There is no campaign %(code)s.", code=str(code)[:40])))
        if errors:
            raise Invalid(_("The bulletin could not be drafted."), errors=errors)
        assert period is not None and isinstance(kind, str)
        return kind, period, campaign

    # --- figures -----------------------------------------------------------------------

    async def compute(self, kind: str, period: Period, campaign: Campaign | None) -> dict[str, Any]:
        """The bulletin's figures as stored: the title, the scope and every section's data."""
        now = self.clock()
        start, end = period.bounds(self.settings.timezone)
        scope = Scope(period, start, end, now, campaign.id if campaign else None)
        sources = await load_sources(
            self.db, self.scores, self.complaints, self.responsibility, self.consequences
        )
        return {
            "version": 1,
            "title": title_of(kind, period, campaign.name_zh if campaign else None),
            "kind": kind,
            "period": period.key,
            "campaign": (
                {"code": campaign.code, "name_zh": campaign.name_zh, "name_en": campaign.name_en}
                if campaign
                else None
            ),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "generated_at": now.isoformat(),
            "sections": await build_sections(sources, scope),
        }

    # --- changes -----------------------------------------------------------------------

    async def create(self, user: User, body: Any) -> Bulletin:
        may_write(user)
        kind, period, campaign = await self.request_from(body)
        figures = await self.compute(kind, period, campaign)
        async with self.db.write() as session:
            bulletin = Bulletin(
                kind=kind,
                period=period.key,
                campaign_id=campaign.id if campaign else None,
                status="draft",
                figures=canonical(figures),
                created_by_id=user.id,
                generated_at=datetime.fromisoformat(figures["generated_at"]),
            )
            session.add(bulletin)
            await _audited(session, user, "bulletin.drafted", bulletin)
        return bulletin

    async def step(self, user: User, bulletin_id: int, action: str) -> Bulletin:
        """`publish` or `regenerate` a draft; 409 once it is published, 404 for another action."""
        may_write(user)
        if action not in AUDIT_ACTIONS:
            raise NotFound(_("A bulletin can be published or regenerated, nothing else."))
        current = await self.get(user, bulletin_id)
        figures = None
        if action == "regenerate" and current.status == "draft":
            campaign = None
            if current.campaign_id is not None:
                async with self.db.read() as session:
                    campaign = await session.get(Campaign, current.campaign_id)
            figures = await self.compute(current.kind, parse_period(current.period), campaign)
        async with self.db.write() as session:
            bulletin = await self._locked(session, bulletin_id)
            if bulletin.status == "published":
                raise Conflict(
                    _("This bulletin is published and frozen: it cannot be published or regenerated again."),
                    code="published",
                    extra={
                        "published_at": bulletin.published_at.isoformat() if bulletin.published_at else None
                    },
                )
            if figures is not None:
                bulletin.figures = canonical(figures)
                bulletin.generated_at = datetime.fromisoformat(figures["generated_at"])
            else:
                bulletin.status = "published"
                bulletin.published_by_id = user.id
                bulletin.published_at = self.clock()
                # Who published it and when go into the frozen figures too: its files print them,
                # and must read the same even after the account is renamed.
                stored = stored_figures(bulletin)
                stored["published"] = {"by": user.display_name, "at": bulletin.published_at.isoformat()}
                bulletin.figures = canonical(stored)
            await _audited(session, user, AUDIT_ACTIONS[action], bulletin)
        return bulletin

    async def _locked(self, session: Any, bulletin_id: int) -> Bulletin:
        bulletin = (
            await session.execute(select(Bulletin).where(Bulletin.id == bulletin_id).with_for_update())
        ).scalar_one_or_none()
        if bulletin is None:
            raise NotFound(_("There is no bulletin %(id)s.", id=bulletin_id))
        return bulletin

    # --- reading -----------------------------------------------------------------------

    async def led_campaigns(self, user: User) -> set[int]:
        if user.role != Role.lead:
            return set()
        async with self.db.read() as session:
            return set(
                (await session.execute(select(Campaign.id).where(Campaign.lead_id == user.id))).scalars()
            )

    async def get(self, user: User, bulletin_id: int) -> Bulletin:
        """The bulletin if the user may read it; 404 when it does not exist or they may not know of it."""
        may_read_any(user)
        if not 1 <= bulletin_id <= MAX_ROW_ID:  # no row has it; the driver would fail on it
            raise NotFound(_("There is no bulletin %(id)s.", id=bulletin_id))
        async with self.db.read() as session:
            bulletin = await session.get(Bulletin, bulletin_id)
        if bulletin is None or not may_read(user, bulletin, await self.led_campaigns(user)):
            raise NotFound(_("There is no bulletin %(id)s.", id=bulletin_id))
        return bulletin

    async def list(self, user: User) -> list[Bulletin]:
        may_read_any(user)
        query = select(Bulletin).order_by(Bulletin.period.desc(), Bulletin.id.desc())
        if user.role == Role.lead:
            led = select(Campaign.id).where(Campaign.lead_id == user.id)
            query = query.where(or_(Bulletin.status == "published", Bulletin.campaign_id.in_(led)))
        elif user.role != Role.office:
            query = query.where(Bulletin.status == "published")
        async with self.db.read() as session:
            return list((await session.execute(query)).scalars())

    async def names(self, ids: set[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        async with self.db.read() as session:
            rows = (
                await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
            ).all()
        return {row[0]: row[1] for row in rows}


async def _audited(session: Any, user: User, action: str, bulletin: Bulletin) -> None:
    audit = AuditLog(actor_id=user.id)
    audit.record(action, "bulletin", bulletin)
    await audit.write(session)


def may_write(user: User) -> None:
    if user.role != Role.office:
        raise Forbidden(_("The supervision office drafts and publishes the bulletins."))


def may_read_any(user: User) -> None:
    if user.role not in (Role.office, Role.lead, Role.handler):
        raise Forbidden(_("The bulletins are for the office, the lead leaders and the responsible units."))


def may_read(user: User, bulletin: Bulletin, led: set[int]) -> bool:
    """The office reads every bulletin; a lead the drafts of their own campaigns and every
    published one; a unit every published one. A draft is nobody else's business."""
    if user.role == Role.office:
        return True
    if bulletin.status == "published":
        return user.role in (Role.lead, Role.handler)
    return user.role == Role.lead and bulletin.campaign_id in led


def stored_figures(bulletin: Bulletin) -> dict[str, Any]:
    return json.loads(bulletin.figures)
