"""Helpers for the rectification workflow tests: record a finding, assign it, rectify it, verify it.

Everything goes through the Findings API v1 as a program would drive it; only the few
things a test must arrange (an old created_at, an overdue deadline) touch the database.
"""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import text, update

from conftest import check_body, new_uuid, recent_time, token_for
from server.db import Database
from server.findings.counts import rebuild as rebuild_counts
from server.models import Finding
from tests.support import derive_photos, fixture_photo

CHINA = timezone(timedelta(hours=8))
# Where check_body() records by default: central Shiyan.
HERE = (32.6293, 110.7981)
NOTICE_RE = re.compile(r"^十城管整改〔(\d{4})〕第(\d{4})号$")

ROLES = ("officer", "supervisor", "lead", "lead-muck", "handler", "handler-muck", "office")


async def auth(client: Any, username: str) -> dict[str, str]:
    """A bearer token per user, fetched once per client (logins cost an argon2 hash)."""
    cache: dict[str, dict[str, str]] = client.__dict__.setdefault("_xuncha_tokens", {})
    if username not in cache:
        cache[username] = await token_for(client, username)
    return cache[username]


def at(moment: datetime) -> str:
    """An ISO time in the bureau's offset, to the microsecond."""
    return moment.astimezone(CHINA).isoformat()


def future(days: float = 7) -> str:
    return at(datetime.now(UTC) + timedelta(days=days))


def now_plus(seconds: float = 2) -> str:
    return at(datetime.now(UTC) + timedelta(seconds=seconds))


def offset(lat: float, lon: float, north_m: float = 0.0, east_m: float = 0.0) -> tuple[float, float]:
    """A point so many metres north and east of (lat, lon)."""
    return (
        lat + north_m / 111_195.0,
        lon + east_m / (111_195.0 * math.cos(math.radians(lat))),
    )


def reencoded(data: bytes, *, quality: int = 60, scale: float = 0.97) -> bytes:
    """The same picture saved again by another program: other bytes, no EXIF, slightly resized."""
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB")
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def plain_jpeg(name: str = "orientation_portrait_6.jpg") -> bytes:
    """A real picture with no EXIF at all."""
    return reencoded(fixture_photo(name), quality=85, scale=1.0)


def with_exif(
    data: bytes, *, taken: datetime | None = None, position: tuple[float, float] | None = None
) -> bytes:
    """The picture saved as a phone would: EXIF capture time (local, with no offset) and GPS."""
    from PIL.TiffImagePlugin import IFDRational

    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB")
        exif = Image.Exif()
        if taken is not None:
            stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
            exif[0x0132] = stamp  # DateTime
            exif.get_ifd(0x8769)[0x9003] = stamp  # DateTimeOriginal
        if position is not None:

            def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
                degrees = int(value)
                minutes = int((value - degrees) * 60)
                seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
                return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 10000)

            gps = exif.get_ifd(0x8825)
            gps[1], gps[2] = ("N" if position[0] >= 0 else "S"), dms(abs(position[0]))
            gps[3], gps[4] = ("E" if position[1] >= 0 else "W"), dms(abs(position[1]))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


# --- checks and findings ------------------------------------------------------------


async def record_check(
    client: Any,
    user: str = "officer",
    *,
    campaign: str = "sanitation",
    item: str | None = None,
    kind: str = "patrol",
    where: tuple[float, float] = HERE,
    photos: list[bytes] | tuple[bytes, ...] = (),
    site: str | None = None,
    severity: str = "major",
) -> dict[str, Any]:
    """Record a check failing one item (with before-photos, all sent); returns the receipt and uuids."""
    item = item or _first_item(campaign)
    check_uuid = new_uuid()
    declared = [{"uuid": new_uuid(), "item": item} for _ in photos]
    body = check_body(
        campaign=campaign,
        kind=kind,
        location={"lat": where[0], "lon": where[1], "accuracy_m": 5.0, "source": "gps"},
        answers=[{"item": item, "result": "fail", "severity": severity, "note": "found on patrol"}],
        photos=declared,
        site=site,
    )
    headers = await auth(client, user)
    response = await client.put(f"/api/v1/checks/{check_uuid}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    receipt = response.json()
    for photo, data in zip(declared, photos, strict=True):
        sent = await client.put(
            f"/api/v1/checks/{check_uuid}/photos/{photo['uuid']}",
            content=data,
            headers=headers | {"Content-Type": "image/jpeg"},
        )
        assert sent.status_code == 201, sent.text
    if photos:
        # The copies are made in the background moments later; a person opening the pages then
        # sees them, and so do the tests.
        await derive_photos(client)
    receipt["photo_uuids"] = [p["uuid"] for p in declared]
    return receipt


def _first_item(campaign: str) -> str:
    prefix = {
        "sanitation": "san",
        "muck": "muck",
        "dust": "dust",
        "parks": "park",
        "lighting": "lgt",
        "landscape": "lsc",
        "conduct": "cdt",
    }[campaign]
    return f"{prefix}-01"


async def new_finding(client: Any, user: str = "officer", **kwargs: Any) -> int:
    receipt = await record_check(client, user, **kwargs)
    (finding,) = receipt["findings"]
    return finding["id"]


async def covert_finding(client: Any, **kwargs: Any) -> tuple[str, int]:
    """An unannounced check by the supervisor; returns its uuid and its finding."""
    receipt = await record_check(client, "supervisor", kind="unannounced", **kwargs)
    (finding,) = receipt["findings"]
    return receipt["uuid"], finding["id"]


async def get_finding(client: Any, finding_id: int, user: str = "office") -> dict[str, Any]:
    response = await client.get(f"/api/v1/findings/{finding_id}", headers=await auth(client, user))
    assert response.status_code == 200, response.text
    return response.json()


# --- the workflow -------------------------------------------------------------------


async def assign(
    client: Any,
    finding_id: int,
    user: str = "lead",
    *,
    unit: str = "sanitation-office",
    deadline: str | None = None,
    reason: str | None = None,
    expect: int | None = 200,
) -> Any:
    body: dict[str, Any] = {"unit": unit, "deadline": deadline or future()}
    if reason is not None:
        body["reason"] = reason
    response = await client.post(
        f"/api/v1/findings/{finding_id}/assign", json=body, headers=await auth(client, user)
    )
    if expect is not None:
        assert response.status_code == expect, response.text
    return response


async def verify(
    client: Any,
    finding_id: int,
    outcome: str,
    user: str = "lead",
    *,
    reason: str | None = None,
    deadline: str | None = None,
    expect: int | None = 200,
) -> Any:
    body: dict[str, Any] = {"outcome": outcome}
    if outcome == "rework":
        body["reason"] = "the bins are still full" if reason is None else reason
        body["deadline"] = deadline or future(3)
    else:
        if reason is not None:
            body["reason"] = reason
        if deadline is not None:
            body["deadline"] = deadline
    response = await client.post(
        f"/api/v1/findings/{finding_id}/verify", json=body, headers=await auth(client, user)
    )
    if expect is not None:
        assert response.status_code == expect, response.text
    return response


async def merge(
    client: Any, finding_id: int, into: Any, user: str = "lead", *, expect: int | None = 200
) -> Any:
    response = await client.post(
        f"/api/v1/findings/{finding_id}/merge", json={"into": into}, headers=await auth(client, user)
    )
    if expect is not None:
        assert response.status_code == expect, response.text
    return response


def rect_body(
    *,
    photos: list[dict[str, Any]],
    where: tuple[float, float] | None = HERE,
    recorded_at: str | None = None,
    note: str = "bins emptied, ground swept",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "note": note,
        "recorded_at": recorded_at or now_plus(1),
        "photos": photos,
    }
    if where is not None:
        body["location"] = {"lat": where[0], "lon": where[1], "accuracy_m": 6.0, "source": "gps"}
    return body


async def put_rectification(
    client: Any, finding_id: int, body: dict[str, Any], user: str = "handler", rect_uuid: str | None = None
) -> tuple[str, Any]:
    rect_uuid = rect_uuid or new_uuid()
    response = await client.put(
        f"/api/v1/findings/{finding_id}/rectifications/{rect_uuid}",
        json=body,
        headers=await auth(client, user),
    )
    return rect_uuid, response


async def put_after_photo(
    client: Any,
    rect_uuid: str,
    photo_uuid: str,
    data: bytes,
    user: str = "handler",
    content_type: str = "image/jpeg",
) -> Any:
    return await client.put(
        f"/api/v1/rectifications/{rect_uuid}/photos/{photo_uuid}",
        content=data,
        headers=await auth(client, user) | {"Content-Type": content_type},
    )


async def rectify(
    client: Any,
    finding_id: int,
    user: str = "handler",
    *,
    photos: list[bytes] | None = None,
    where: tuple[float, float] | None = HERE,
    meta: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Report a rectification and send all its after-photos; returns the uuids and the last receipt."""
    photos = photos if photos is not None else [plain_jpeg()]
    meta = meta or [{} for _ in photos]
    declared = [{"uuid": new_uuid(), **m} for m in meta]
    rect_uuid, response = await put_rectification(
        client, finding_id, rect_body(photos=declared, where=where), user
    )
    assert response.status_code == 201, response.text
    last = None
    for photo, data in zip(declared, photos, strict=True):
        last = await put_after_photo(client, rect_uuid, photo["uuid"], data, user)
        assert last.status_code == 201, last.text
    return {
        "uuid": rect_uuid,
        "photos": [p["uuid"] for p in declared],
        "receipt": last.json() if last else None,
    }


async def finding_in(client: Any, status: str, **kwargs: Any) -> int:
    """A sanitation finding by `officer`, brought to `status` by lead and handler."""
    finding_id = await new_finding(client, **kwargs)
    if status == "new":
        return finding_id
    if status == "merged":
        other = await new_finding(client, **kwargs)
        await merge(client, finding_id, other)
        return finding_id
    await assign(client, finding_id)
    if status == "assigned":
        return finding_id
    await rectify(client, finding_id)
    if status == "submitted":
        return finding_id
    if status == "closed":
        await verify(client, finding_id, "close")
        return finding_id
    if status == "rework":
        await verify(client, finding_id, "rework")
        return finding_id
    raise ValueError(status)


# --- the database, for what a test must arrange or look at ----------------------------
# The app runs in the test client's own thread and event loop, so a test reaches the
# database through a Database of its own (the `db` fixture of each module), never through
# the app's (asyncpg connections belong to the loop that opened them).


async def db_scalar(db: Database, sql: str, **params: Any) -> Any:
    async with db.read() as session:
        return await session.scalar(text(sql), params)


async def db_rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.read() as session:
        return list((await session.execute(text(sql), params)).all())


async def update_finding(db: Database, finding_id: int, **values: Any) -> None:
    """An UPDATE of a finding's row behind the app's back (typed, so times compare right on SQLite).

    The running counts the figures read are then counted again, as after any bulk change that
    bypasses the app (a finding moved to another month, say)."""
    async with db.write() as session:
        await session.execute(update(Finding).where(Finding.id == finding_id).values(**values))
        await session.run_sync(lambda s: rebuild_counts(s.connection(), ZoneInfo(db.settings.timezone)))


async def counts(db: Database) -> dict[str, int]:
    """How many rows the write paths of the workflow touch; a replay must change none."""
    tables = ("rectifications", "photos", "finding_events", "audit_entries", "notifications")
    return {t: int(await db_scalar(db, f"SELECT count(*) FROM {t}")) for t in tables}


__all__ = [
    "CHINA",
    "HERE",
    "NOTICE_RE",
    "ROLES",
    "assign",
    "at",
    "auth",
    "counts",
    "covert_finding",
    "db_rows",
    "db_scalar",
    "finding_in",
    "fixture_photo",
    "future",
    "get_finding",
    "merge",
    "new_finding",
    "new_uuid",
    "now_plus",
    "offset",
    "plain_jpeg",
    "put_after_photo",
    "put_rectification",
    "recent_time",
    "record_check",
    "rect_body",
    "rectify",
    "reencoded",
    "update_finding",
    "verify",
    "with_exif",
]
