"""`xuncha demo --history`: some months of the bureau's life, recorded through the services.

Checks are sent through the sync API's service, findings assigned, rectified with
after-photos, verified or sent back through the rectification workflow, exactly as people
would; only the clock is simulated, so that a finding found in September was assigned,
rectified and closed in September. Some rectifications are late (escalated by the
deadline sweep), some are sent back for rework, some after-photos are flagged (taken far
from the finding), and the last weeks' findings are left open for the desk to show.

Other packages add their own history (public complaints, for one) by registering a
recorder with `HISTORY_RECORDERS`: an async function given the `History` (services, the
demo's accounts and the simulated clock) after the checks' history is recorded.
"""

from __future__ import annotations

import contextlib
import io
import random
import sys
import uuid as uuidlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from sqlalchemy import select

from ..app import build_services
from ..assessment.demo import record_consequences_history
from ..campaigns.service import CampaignService
from ..checks.service import CheckService
from ..complaints.demo import record_complaints_history
from ..db import Database
from ..duties.demo import record_duties_history
from ..findings.rectifications import RectificationService
from ..findings.workflow import Workflow
from ..models import Check, User
from ..models import base as model_base
from ..photos.pipeline import SentPhoto
from ..settings import Settings
from . import data

# Stable UUIDs: the history's first check tells whether it is already recorded.
NAMESPACE = uuidlib.UUID("6b1d5c0e-3f4a-4c1b-9a57-1f0e8d2c7a10")
DAYS = 90
EVERY_DAYS = 2

HistoryRecorder = Callable[["History"], Awaitable[str]]
HISTORY_RECORDERS: list[HistoryRecorder] = [
    record_complaints_history,
    record_duties_history,
    record_consequences_history,
]


def history_uuid(*parts: object) -> str:
    return str(uuidlib.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


class Clock:
    """The simulated 'now' the services read through `utcnow`."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> Clock:
        # In UTC, as the real utcnow gives it: the audit chain hashes the time's text.
        self.now = moment.astimezone(UTC)
        return self


@contextlib.contextmanager
def simulated(clock: Clock) -> Iterator[None]:
    # Every module took `utcnow` by name from the models; each is pointed at the clock
    # for the duration, and put back after.
    real = model_base.utcnow
    patched = []
    for name, module in list(sys.modules.items()):
        if name.startswith("server.") and getattr(module, "utcnow", None) is real:
            module.utcnow = clock  # type: ignore[attr-defined]
            patched.append(module)
    try:
        yield
    finally:
        for module in patched:
            module.utcnow = real  # type: ignore[attr-defined]


@dataclass
class History:
    settings: Settings
    db: Database
    campaigns: CampaignService
    checks: CheckService
    workflow: Workflow
    rectifications: RectificationService
    users: dict[str, User]
    clock: Clock
    rng: random.Random
    zone: ZoneInfo
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).replace(microsecond=0).isoformat()


def after_photo(seed: int, taken: datetime, position: tuple[float, float], zone: ZoneInfo) -> bytes:
    """A small picture with the EXIF capture time and GPS position a phone would write."""
    from PIL.TiffImagePlugin import IFDRational

    rng = random.Random(seed)
    image = Image.new(
        "RGB", (640, 480), (rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200))
    )
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(0, 600), rng.randrange(0, 440)
        draw.rectangle(
            (x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 90)),
            fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)),
        )
    exif = Image.Exif()
    stamp = taken.astimezone(zone).strftime("%Y:%m:%d %H:%M:%S")
    exif[0x0132] = stamp
    exif.get_ifd(0x8769)[0x9003] = stamp

    def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
        return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 10000)

    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", dms(position[0]), "E", dms(position[1])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif)
    return buffer.getvalue()


async def _rectify(
    h: History, finding: dict[str, Any], handler: User, when: datetime, *, far: bool, n: int
) -> None:
    h.clock.at(when)
    lat, lon = finding["lat"], finding["lon"]
    if far:  # taken some 400 m away: the server flags it
        lat += 0.0036
    rect_uuid = history_uuid("rect", finding["id"], n)
    photo_uuid = history_uuid("rect-photo", finding["id"], n)
    body = {
        "note": "已清理整改" if n == 0 else "已按要求返工",
        "recorded_at": h.local(when - timedelta(minutes=20)),
        "location": {"lat": lat, "lon": lon, "accuracy_m": 6.0, "source": "gps"},
        "photos": [{"uuid": photo_uuid}],
    }
    await h.rectifications.put(handler, finding["id"], rect_uuid, body)
    data_bytes = after_photo(finding["id"] * 10 + n, when - timedelta(minutes=25), (lat, lon), h.zone)
    await h.rectifications.put_photo(handler, rect_uuid, SentPhoto(photo_uuid, "image/jpeg", data_bytes))
    h.count("rectifications")


async def record_checks_history(h: History) -> None:
    start = h.clock.now - timedelta(days=DAYS)
    handlers = {u.unit: u.username for u in data.USERS if u.role == "handler"}
    officers = ["officer", "officer2"]
    sites = [s for s in data.SITES]
    for step, day in enumerate(range(0, DAYS, EVERY_DAYS)):
        spec = data.CAMPAIGNS[step % len(data.CAMPAIGNS)]
        if spec.responsible_unit not in handlers:
            continue
        site = h.rng.choice(sites)
        moment = (
            (start + timedelta(days=day))
            .astimezone(h.zone)
            .replace(hour=9 + step % 6, minute=30, second=0, microsecond=0)
        )
        h.clock.at(moment)
        failing = h.rng.sample(range(len(spec.items)), k=min(len(spec.items), 1 + step % 2))
        answers = [
            {
                "item": item.code,
                "result": "fail" if i in failing else "pass",
                "note": "现场发现问题" if i in failing else "",
            }
            for i, item in enumerate(spec.items[:5])
            if i < 5
        ]
        if not any(a["result"] == "fail" for a in answers):
            answers[0]["result"] = "fail"
        officer = h.users[officers[step % 2]]
        body = {
            "campaign": spec.code,
            "kind": "patrol",
            "recorded_at": h.local(moment - timedelta(minutes=5)),
            "location": {
                "lat": site.lat + h.rng.uniform(-0.0002, 0.0002),
                "lon": site.lon + h.rng.uniform(-0.0002, 0.0002),
                "accuracy_m": 8.0,
                "source": "gps",
            },
            "site": site.code,
            "target_unit": None,
            "answers": answers,
            "note": "",
            "photos": [],
        }
        _status, receipt = await h.checks.put_check(officer, history_uuid("check", step), body)
        h.count("checks")
        lead = h.users[spec.lead]
        handler = h.users[handlers[spec.responsible_unit]]
        age = DAYS - day
        for n, found in enumerate(receipt["findings"]):
            h.count("findings")
            if age <= 4:
                continue  # the newest stay new, for the lead to assign
            h.clock.at(moment + timedelta(hours=3))
            deadline = moment + timedelta(days=5)
            finding = await h.workflow.assign(
                lead, found["id"], spec.responsible_unit, h.local(deadline), "请限期整改"
            )
            info = {"id": finding.id, "lat": finding.lat, "lon": finding.lon}
            if age <= 10:
                continue  # still with the unit
            fate = (step + n) % 6
            late = fate == 1
            if late:
                # The deadline passes first: the sweep escalates it to the lead.
                await h.workflow.sweep_deadlines(now=deadline + timedelta(hours=2))
            when = deadline + timedelta(days=2) if late else moment + timedelta(days=2)
            await _rectify(h, info, handler, when, far=fate == 3, n=0)
            h.clock.at(when + timedelta(hours=20))
            if fate in (2, 3):
                await h.workflow.verify(
                    lead, finding.id, "rework", "整改不到位，请返工", h.local(when + timedelta(days=4))
                )
                h.count("rework")
                await _rectify(h, info, handler, when + timedelta(days=2), far=False, n=1)
                h.clock.at(when + timedelta(days=2, hours=20))
            await h.workflow.verify(lead, finding.id, "close", "整改到位，予以销号", None)
            h.count("closed")


async def record_history(settings: Settings, database: Database | None = None) -> str:
    db = database or Database(settings)
    try:
        async with db.read() as session:
            if (
                await session.scalar(select(Check.id).where(Check.uuid == history_uuid("check", 0)))
                is not None
            ):
                return "history already recorded: nothing changed"
            users = {u.username: u for u in (await session.scalars(select(User))).unique().all()}
        services = build_services(settings, db)
        history = History(
            settings=settings,
            db=db,
            campaigns=services["campaigns"],
            checks=services["checks"],
            workflow=services["workflow"],
            rectifications=services["rectifications"],
            users=users,
            clock=Clock(model_base.utcnow()),
            rng=random.Random(2026),
            zone=ZoneInfo(settings.timezone),
        )
        real_now = model_base.utcnow()
        notes = []
        try:
            with simulated(history.clock):
                await record_checks_history(history)
                for recorder in HISTORY_RECORDERS:
                    history.clock.at(real_now)
                    notes.append(await recorder(history))
            # The demo's photos get their display copies now, not when a server first runs.
            await services["photos"].deriver.drain()
        finally:
            await history.checks.writer.close()
    finally:
        if database is None:
            await db.dispose()
    summary = ", ".join(f"{n} {what}" for what, n in history.counts.items())
    return "history recorded: " + summary + "".join(f"; {note}" for note in notes)
