"""Unannounced rounds: the office draws a sample of sites for a supervisor.

The draw is weighted toward sites with more open findings (weight = 1 + open findings, so a
clean site can still be drawn) and reproducible: sites in id order, a `random.Random(seed)`, and
the Efraimidis-Spirakis keys u ** (1 / weight), the largest `size` keys winning. The same seed over
the same register and findings gives the same sites, which the office can show anyone who asks
how a site came to be visited.

A sampled site counts as visited once the supervisor has recorded a check at it since the round
was drawn.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..campaigns.service import CampaignService
from ..db import Database
from ..errors import Forbidden, Invalid, NotFound
from ..i18n import gettext as _
from ..models import Check, Finding, FindingStatus, Role, Round, RoundSite, Site, User
from .schemas import require_object

MAX_SIZE = 50
OPEN = (FindingStatus.new, FindingStatus.assigned, FindingStatus.rework, FindingStatus.submitted)


def weighted_sample(weights: list[tuple[int, int]], size: int, seed: int) -> list[int]:
    """Ids drawn without replacement, each with probability proportional to its weight."""
    rng = random.Random(seed)
    keyed = [(rng.random() ** (1.0 / weight), item) for item, weight in sorted(weights)]
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _key, item in keyed[:size]]


@dataclass
class RoundView:
    round: Round
    sites: list[RoundSite]
    visited: dict[int, datetime]  # site id -> first check there since the draw


class RoundService:
    def __init__(self, db: Database, campaigns: CampaignService) -> None:
        self.db = db
        self.campaigns = campaigns

    async def draw(self, user: User, body: Any) -> RoundView:
        if user.role != Role.office:
            raise Forbidden(_("Only the supervision office may do this."))
        body = require_object(body)
        errors = []
        size, seed = body.get("size", 10), body.get("seed")
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
            errors.append({"field": "size", "message": _("A whole number from 1 to %(max)s.", max=MAX_SIZE)})
        if seed is None:
            seed = secrets.randbelow(2**31)
        elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
            errors.append({"field": "seed", "message": _("A whole number from 0 to 2147483647.")})
        ref = await self.campaigns.reference()
        campaign_id = None
        if body.get("campaign") is not None:
            found = ref.campaigns.get(body["campaign"]) if isinstance(body["campaign"], str) else None
            if found is None:
                errors.append(
                    {
                        "field": "campaign",
                        "message": _("Unknown campaign code: %(code)s.", code=str(body["campaign"])[:40]),
                    }
                )
            else:
                campaign_id = found.id
        async with self.db.write() as session:
            supervisor = None
            if isinstance(body.get("supervisor"), str):
                supervisor = await session.scalar(
                    select(User).where(
                        User.username == body["supervisor"], User.role == Role.supervisor.value, User.active
                    )
                )
            if supervisor is None:
                errors.append({"field": "supervisor", "message": _("Name a supervisor's account.")})
            if errors:
                raise Invalid(_("The round has mistakes; nothing was drawn."), errors=errors)
            assert supervisor is not None
            open_findings = (
                select(Finding.site_id, func.count().label("n"))
                .where(Finding.site_id.is_not(None), Finding.status.in_([s.value for s in OPEN]))
                .group_by(Finding.site_id)
            )
            if campaign_id is not None:
                open_findings = open_findings.where(Finding.campaign_id == campaign_id)
            counts = {sid: n for sid, n in (await session.execute(open_findings)).all()}
            site_ids = (await session.scalars(select(Site.id).where(Site.active).order_by(Site.id))).all()
            chosen = weighted_sample([(sid, 1 + counts.get(sid, 0)) for sid in site_ids], size, seed)
            round_ = Round(
                supervisor_id=supervisor.id,
                campaign_id=campaign_id,
                seed=seed,
                size=size,
                created_by_id=user.id,
            )
            session.add(round_)
            await session.flush()
            for position, sid in enumerate(chosen):
                session.add(
                    RoundSite(
                        round_id=round_.id, site_id=sid, position=position, open_findings=counts.get(sid, 0)
                    )
                )
            round_id = round_.id
        return await self.view(user, round_id)

    async def view(self, user: User, round_id: int) -> RoundView:
        async with self.db.read() as session:
            round_ = await session.get(Round, round_id)
            if round_ is None or not (user.role == Role.office or round_.supervisor_id == user.id):
                raise NotFound(_("There is no round %(id)s that you may see.", id=round_id))
            return await self._view(session, round_)

    async def latest(self, user: User) -> RoundView | None:
        """The supervisor's latest round, as the phone shows it."""
        async with self.db.read() as session:
            round_ = await session.scalar(
                select(Round).where(Round.supervisor_id == user.id).order_by(Round.id.desc()).limit(1)
            )
            return None if round_ is None else await self._view(session, round_)

    async def recent(self, limit: int = 20) -> list[RoundView]:
        async with self.db.read() as session:
            rounds = (
                (await session.scalars(select(Round).order_by(Round.id.desc()).limit(limit))).unique().all()
            )
            return [await self._view(session, r) for r in rounds]

    async def _view(self, session: Any, round_: Round) -> RoundView:
        sites = list(
            (
                await session.scalars(
                    select(RoundSite).where(RoundSite.round_id == round_.id).order_by(RoundSite.position)
                )
            )
            .unique()
            .all()
        )
        visits = (
            await session.execute(
                select(Check.site_id, func.min(Check.recorded_at))
                .where(
                    Check.author_id == round_.supervisor_id,
                    Check.site_id.in_([s.site_id for s in sites]),
                    Check.received_at >= round_.created_at,
                )
                .group_by(Check.site_id)
            )
        ).all()
        return RoundView(round_, sites, {sid: at for sid, at in visits})


def round_json(view: RoundView, lang: str) -> dict[str, Any]:
    r = view.round
    return {
        "id": r.id,
        "supervisor": r.supervisor.username,
        "campaign": r.campaign.code if r.campaign else None,
        "seed": r.seed,
        "size": r.size,
        "created_at": r.created_at.isoformat(),
        "sites": [
            {
                "code": s.site.code,
                "name": s.site.name(lang),
                "lat": s.site.lat,
                "lon": s.site.lon,
                "open_findings": s.open_findings,
                "visited_at": view.visited[s.site_id].isoformat() if s.site_id in view.visited else None,
            }
            for s in view.sites
        ],
        "visited": sum(1 for s in view.sites if s.site_id in view.visited),
    }
