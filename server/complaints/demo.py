"""The complaints part of `xuncha demo --history`: some months of public complaints, recorded and
driven through the services as the office and the units would, so the complaint pages, queues
and indicators have something to show.

Idempotent: each complaint has a UUID derived from its number, and a step already taken is not
taken again, so a second run changes nothing. Receipt times are spread over the past months;
the steps themselves happen now (the services take no other clock), with deadlines ahead.
"""

from __future__ import annotations

import random
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..campaigns.service import CampaignService
from ..db import Database
from ..models import Complaint, ComplaintStatus, Role, User
from ..settings import Settings
from .ratings import RatingService
from .service import ComplaintService

if TYPE_CHECKING:
    from ..demo.history import History

NAMESPACE = uuidlib.UUID("6f1c2a4e-8d3b-4c5a-9e7f-1b2d3c4e5f60")
SOURCES = ("hotline_12319", "hotline_12319", "web", "letter", "visit", "media", "referral")
CONTENTS = (
    ("sanitation", "垃圾桶满溢未及时清运，气味很大"),
    ("muck", "渣土车夜间抛洒，路面泥土很多"),
    ("dust", "工地未覆盖，扬尘严重"),
    ("parks", "公园健身器材损坏无人维修"),
    ("lighting", "路灯连续多晚不亮，行人不安全"),
    ("landscape", "绿化带树木枯死未补植"),
    ("conduct", "执法人员态度生硬"),
)
# What happens to each complaint, in turn: how far it gets.
PATHS = ("closed", "closed", "visited", "investigated", "assigned", "reopened", "received", "closed")


async def record_history(
    settings: Settings,
    database: Database | None = None,
    *,
    count: int = 24,
    months: int = 3,
    seed: int = 2026,
) -> int:
    """Record `count` complaints over the past `months`; returns how many were new."""
    db = database or Database(settings)
    try:
        campaigns = CampaignService(db)
        complaints = ComplaintService(db, settings, campaigns, RatingService(db, settings))
        async with db.read() as session:
            office = await session.scalar(
                select(User).where(User.role == Role.office.value, User.active).limit(1)
            )
            handlers = {
                u.unit.code: u
                for u in (await session.scalars(select(User).where(User.role == Role.handler.value))).unique()
            }
        if office is None:
            return 0
        ref = await campaigns.reference()
        rng = random.Random(seed)
        now = datetime.now(UTC)
        added = 0
        for number in range(count):
            code, content = CONTENTS[number % len(CONTENTS)]
            campaign = ref.campaigns.get(code)
            unit_id = campaign.responsible_unit_id if campaign else None
            unit_code = next((c for c, i in ref.units_by_code.items() if i == unit_id), None)
            uuid = str(uuidlib.uuid5(NAMESPACE, f"complaint-{number}"))
            received = now - timedelta(days=rng.uniform(1, 30 * months), hours=rng.uniform(0, 12))
            body = {
                "source": SOURCES[number % len(SOURCES)],
                "received_at": received.replace(microsecond=0).isoformat(),
                "content": content,
                "campaign": code if campaign else None,
                "location": {
                    "lat": 32.6293 + rng.uniform(-0.02, 0.02),
                    "lon": 110.7981 + rng.uniform(-0.02, 0.02),
                },
                "address": "",
                "complainant": {"name": "市民", "phone": f"139{rng.randrange(10**8):08d}"},
            }
            async with db.read() as session:
                existing = await session.scalar(select(Complaint).where(Complaint.uuid == uuid))
            if existing is None:
                await complaints.put(office, uuid, body)
                added += 1
            await _advance(
                complaints, office, handlers.get(unit_code or ""), uuid, unit_code, PATHS[number % len(PATHS)]
            )
        return added
    finally:
        if database is None:
            await db.dispose()


async def record_complaints_history(history: History) -> str:
    """The complaints' part of `xuncha demo --history` (one of demo.history's HISTORY_RECORDERS)."""
    added = await record_history(history.settings, history.db)
    return f"{added} complaints"


async def _advance(
    complaints: ComplaintService,
    office: User,
    handler: User | None,
    uuid: str,
    unit: str | None,
    path: str,
) -> None:
    def status() -> Any:
        return complaints.detail(office, uuid)

    deadline = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    current = (await status()).complaint
    if path == "received" or unit is None:
        return
    if current.status == ComplaintStatus.received:
        current = await complaints.assign(office, uuid, {"unit": unit, "deadline": deadline})
    if path == "assigned":
        return
    answerer = handler or office
    if current.status == ComplaintStatus.assigned and current.reopen_count == 0:
        current = await complaints.investigate(answerer, uuid, {"result": "已到现场核查处理，问题已整改。"})
    if path == "investigated":
        return
    if path == "reopened":
        if current.status == ComplaintStatus.investigated:
            await complaints.return_visit(
                office, uuid, {"outcome": "unsatisfied", "note": "群众反映仍未解决", "deadline": deadline}
            )
        return
    if current.status == ComplaintStatus.investigated:
        outcome = "satisfied" if int(uuid[:8], 16) % 3 else "basically_satisfied"
        current = await complaints.return_visit(office, uuid, {"outcome": outcome, "note": "电话回访"})
    if path == "closed" and current.status == ComplaintStatus.visited:
        await complaints.close(office, uuid)
