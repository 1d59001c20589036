"""An officer's phone flushing its outbox, as static/js/outbox-core.js does it.

One pass: ask who am I (GET /api/v1/me), then the checks oldest first: PUT the check by its
UUID, then each photo the receipt still lists as missing, by its own UUID. A network error,
408, 425, 429 or any 5xx is "retry": the pass stops and the check waits a backoff (5 s,
doubling up to 15 min, +-20 %) before the next pass. Any other 4xx needs the officer: the
check is set aside ("attention") and the next one goes. A check leaves the outbox only when
the check and every photo were answered 2xx.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import struct
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import httpx
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

from tests.live import REPO

FIXTURES = REPO / "tests" / "fixtures" / "photos"
# static/js/field-kit.js: long side at most 2048 px, JPEG quality 0.7, drawn with smoothing.
PHONE_MAX_SIDE = 2048
PHONE_QUALITY = 70
# Three phones' photos; shrunk they weigh about 0.38, 0.50 and 0.24 MB.
SOURCES = ("hdr_iphone_hdr_YES.jpg", "mobile_iphone_13_pro_max.HEIC", "mobile_jolla.jpg")
BACKOFF_MAX_S = 15 * 60


def phone_photos() -> list[bytes]:
    """The fixture photos shrunk as the phone shrinks them (done once per run)."""
    register_heif_opener()
    out = []
    for name in SOURCES:
        with Image.open(FIXTURES / name) as img:
            img = ImageOps.exif_transpose(img).convert("RGB")
            scale = min(1.0, PHONE_MAX_SIDE / max(img.size))
            size = (round(img.width * scale), round(img.height * scale))
            img = img.resize(size, Image.Resampling.LANCZOS)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=PHONE_QUALITY)
        out.append(buf.getvalue())
    return out


def stamped(jpeg: bytes, tag: str) -> bytes:
    """The same picture with a JPEG comment naming the photo: every photo has its own bytes, as
    every real photo does (the store is content-addressed, so equal bytes would be stored once)."""
    text = tag.encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def check_body(n: int, photo_uuids: list[str]) -> bytes:
    recorded = (datetime.now(UTC) - timedelta(minutes=30)).astimezone(timezone(timedelta(hours=8)))
    return json.dumps(
        {
            "campaign": "sanitation",
            "kind": "patrol",
            "recorded_at": recorded.replace(microsecond=0).isoformat(),
            "location": {
                "lat": 32.6293 + (n % 100) * 1e-5,
                "lon": 110.7981,
                "accuracy_m": 8.0,
                "source": "gps",
            },
            "site": None,
            "target_unit": None,
            "answers": [
                {"item": "san-01", "result": "fail", "severity": "major", "note": f"rush {n}"},
                {"item": "san-02", "result": "pass"},
                {"item": "san-03", "result": "na"},
            ],
            "note": "",
            "photos": [{"uuid": p, "item": "san-01" if i == 0 else None} for i, p in enumerate(photo_uuids)],
        }
    ).encode()


@dataclass
class Entry:
    """One check in the outbox, with its photos (uuid -> index of the prepared picture)."""

    uuid: str
    body: bytes
    photos: dict[str, int]
    acked: bool = False  # the check PUT was answered 2xx
    photos_acked: set[str] = field(default_factory=set)  # answered 2xx (or listed as received)
    state: str = "saved"  # saved | attention | done
    attempts: int = 0
    next_try: float = 0.0
    error: tuple[int, str, str] | None = None  # status, code, message of the last refusal


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, status: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        by = self.statuses.setdefault(kind, {})
        by[status] = by.get(status, 0) + 1


@dataclass
class Officer:
    username: str
    token: str
    entries: list[Entry]

    @classmethod
    def with_outbox(cls, username: str, token: str, checks: int, photos: int, pictures: int) -> Officer:
        entries = []
        for n in range(checks):
            photo_uuids = [str(uuid.uuid4()) for _ in range(photos)]
            entries.append(
                Entry(
                    uuid=str(uuid.uuid4()),
                    body=check_body(n, photo_uuids),
                    photos={p: random.randrange(pictures) for p in photo_uuids},
                )
            )
        return cls(username, token, entries)

    def left(self) -> list[Entry]:
        return [e for e in self.entries if e.state != "done"]


def outcome_of(status: int) -> str:
    if 200 <= status < 300:
        return "ok"
    if status == 401:
        return "login"
    if status in (0, 408, 425, 429) or status >= 500:
        return "retry"
    return "attention"


class Phone:
    """One officer's phone: its own HTTP client with a small connection pool."""

    def __init__(
        self, base_url: str, officer: Officer, pictures: list[bytes], stats: Stats, backoff_min: float
    ) -> None:
        self.officer = officer
        self.pictures = pictures
        self.stats = stats
        self.backoff_min = backoff_min
        self.http = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {officer.token}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=2, max_keepalive_connections=2),
            # fetch() has no timeout of its own; a generous one stands for the phone giving up.
            timeout=httpx.Timeout(120.0, connect=30.0),
        )

    async def request(self, kind: str, method: str, url: str, **kwargs: object) -> tuple[int, dict]:
        start = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            self.stats.add(kind, f"network:{type(exc).__name__}", time.perf_counter() - start)
            return 0, {}
        self.stats.add(kind, str(response.status_code), time.perf_counter() - start)
        try:
            body = response.json()
        except ValueError:
            body = {}
        return response.status_code, body if isinstance(body, dict) else {}

    def backoff(self, attempts: int) -> float:
        base = min(BACKOFF_MAX_S, self.backoff_min * 2 ** max(0, attempts - 1))
        return base * (0.8 + random.random() * 0.4)

    def failed(self, entry: Entry, status: int, body: dict, kind: str) -> str:
        entry.error = (status, str(body.get("error", "")), str(body.get("message", "")))
        if kind == "retry":
            entry.attempts += 1
            entry.next_try = time.monotonic() + self.backoff(entry.attempts)
        else:
            entry.state = "attention" if kind == "attention" else "login"
        return kind

    async def send_one(self, entry: Entry) -> str:
        status, receipt = await self.request(
            "check",
            "PUT",
            f"/api/v1/checks/{entry.uuid}",
            content=entry.body,
            headers={"Content-Type": "application/json"},
        )
        kind = outcome_of(status)
        if kind != "ok":
            return self.failed(entry, status, receipt, kind)
        entry.acked = True
        missing = set(receipt.get("missing_photos") or [])
        entry.photos_acked |= {p for p in entry.photos if p not in missing}
        for photo_uuid, picture in entry.photos.items():
            if photo_uuid in entry.photos_acked:
                continue
            data = stamped(self.pictures[picture], photo_uuid)
            status, body = await self.request(
                "photo",
                "PUT",
                f"/api/v1/checks/{entry.uuid}/photos/{photo_uuid}",
                content=data,
                headers={"Content-Type": "image/jpeg"},
            )
            kind = outcome_of(status)
            if kind != "ok":
                return self.failed(entry, status, body, kind)
            entry.photos_acked.add(photo_uuid)
        entry.state, entry.error = "done", None
        return "sent"

    async def flush(self, deadline: float) -> None:
        """Passes over the outbox until it is empty, needs the officer, or the deadline passes."""
        try:
            while time.monotonic() < deadline:
                queue = [e for e in self.officer.entries if e.state == "saved"]
                if not queue:
                    return
                wait = queue[0].next_try - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(min(wait, max(0.0, deadline - time.monotonic())))
                    continue
                status, _body = await self.request("me", "GET", "/api/v1/me")
                if outcome_of(status) != "ok":
                    self.failed(queue[0], status, _body, outcome_of(status))
                    continue
                for entry in queue:
                    if entry.next_try > time.monotonic():
                        break  # a check in backoff holds back the ones made after it
                    outcome = await self.send_one(entry)
                    if outcome in ("retry", "login"):
                        break
        finally:
            await self.http.aclose()
