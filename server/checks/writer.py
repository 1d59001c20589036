"""Group commit for new checks: many checks, one write transaction.

SQLite has one writer at a time, and through an async driver every statement is a trip
to the driver's thread and back; a transaction per check would hold the write lock for
all of those trips, while other requests wait. Instead, requests hand their validated
check to one writer task per process, which writes whatever is waiting in one
transaction with a handful of multi-row statements, then answers each request. A request
is answered only after the commit, so nothing is acknowledged that is not stored.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from ..audit.chain import AuditLog
from ..campaigns.service import CampaignRef
from ..db import Database
from ..findings import counts
from ..models import Answer, Check, CheckKind, CheckStatus, Finding, FindingStatus, Result, utcnow
from ..photos.service import declare_photos
from ..sqlite_direct import Inserter, Statement
from ..tasks import cancel_and_wait
from .schemas import CheckIn

log = logging.getLogger("xuncha.checks")

# Core tables: the ORM's bulk-insert machinery costs more than the SQL itself.
CHECKS, ANSWERS, FINDINGS = Check.__table__, Answer.__table__, Finding.__table__
MAX_BATCH = 200


class Outcome(Enum):
    exists = "exists"  # the UUID was already stored: the caller answers it as a replay
    photo_uuid_taken = "photo_uuid_taken"


@dataclass
class NewCheck:
    user_id: int
    uuid: str
    inp: CheckIn
    digest: str
    campaign: CampaignRef
    site_id: int | None
    unit_id: int | None
    future: asyncio.Future[dict[str, Any] | Outcome] = field(repr=False)


class CheckWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.zone = ZoneInfo(db.settings.timezone)
        self._queue: list[NewCheck] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: NewCheck) -> dict[str, Any] | Outcome:
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="xuncha-check-writer")
        assert self._wakeup is not None
        self._queue.append(item)
        self._wakeup.set()
        # Shielded: a client that hangs up does not undo a write already under way.
        return await asyncio.shield(item.future)

    async def close(self) -> None:
        await cancel_and_wait([self._task])
        self._task = None

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                await self._write_isolating_failures(batch)

    async def _write_isolating_failures(self, batch: list[NewCheck]) -> None:
        try:
            results = await self._write(batch)
        except (IntegrityError, sqlite3.IntegrityError):  # the latter from statements sent directly
            if len(batch) > 1:
                # One check's bad photo UUID must not fail the others: write them alone.
                for item in batch:
                    await self._write_isolating_failures([item])
                return
            results = [Outcome.photo_uuid_taken]
        except Exception as exc:  # the database failed: every waiting request learns it
            log.exception("writing %d checks failed", len(batch))
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for item, result in zip(batch, results, strict=True):
            if not item.future.done():
                item.future.set_result(result)

    async def _write(self, batch: list[NewCheck]) -> list[dict[str, Any] | Outcome]:
        now = utcnow()

        async def work(session: Any) -> dict[int, dict[str, Any]]:
            rows = _Direct(session) if getattr(session, "dbapi", None) is not None else _Core(session)
            stored = await rows.existing([i.uuid for i in batch])
            fresh: list[NewCheck] = []
            for item in batch:
                if item.uuid in stored:
                    continue
                stored.add(item.uuid)  # a second copy in the same batch is a replay of the first
                fresh.append(item)
            return await self._insert(session, rows, fresh, now) if fresh else {}

        receipts = await self.db.write_batch(work)
        return [receipts.get(id(item), Outcome.exists) for item in batch]

    async def _insert(
        self, session: Any, rows: _Core, items: list[NewCheck], now: datetime
    ) -> dict[int, dict[str, Any]]:
        checks = [_check_row(item, now) for item in items]
        # Rows are matched to their new ids by a unique key: asking for RETURNING in
        # parameter order would make SQLite insert one row per statement.
        ids = dict(await rows.insert(CHECKS, checks, ("uuid", "id")))
        for row in checks:
            row["id"] = ids[row["uuid"]]
        audit = AuditLog(actor_id=None)

        answers: list[dict[str, Any]] = []
        for item, check in zip(items, checks, strict=True):
            audit.record("check.recorded", "check", check, actor=item.user_id)
            answers.extend(_answer_rows(item, check["id"]))
        returned = await rows.insert(ANSWERS, answers, ("check_id", "item_id", "id"))
        answer_ids = {(check_id, item_id): answer_id for check_id, item_id, answer_id in returned}
        for answer in answers:
            answer["id"] = answer_ids[(answer["check_id"], answer["item_id"])]

        by_check: dict[int, list[dict[str, Any]]] = {}
        for answer in answers:
            by_check.setdefault(answer["check_id"], []).append(answer)
        findings: list[dict[str, Any]] = []
        finders: list[int] = []
        for item, check in zip(items, checks, strict=True):
            found = _finding_rows(item, check, by_check[check["id"]], now)
            findings.extend(found)
            finders.extend([item.user_id] * len(found))
        if findings:
            finding_ids = dict(await rows.insert(FINDINGS, findings, ("answer_id", "id")))
            for finding, finder in zip(findings, finders, strict=True):
                finding["id"] = finding_ids[finding["answer_id"]]
                audit.record("finding.opened", "finding", finding, actor=finder)
            await rows.count(counts.deltas((None, counts.share(f, self.zone)) for f in findings))

        photos = [
            row for item, check in zip(items, checks, strict=True) for row in _photo_rows(item, check, now)
        ]
        if photos:
            await declare_photos(session, photos, audit, by_uploader=True)
        await rows.audit(audit)

        receipts: dict[int, dict[str, Any]] = {}
        by_check_findings: dict[int, list[dict[str, Any]]] = {}
        for f in findings:
            by_check_findings.setdefault(f["check_id"], []).append(f)
        received_at = now.isoformat()
        for item, check in zip(items, checks, strict=True):
            opened = by_check_findings.get(check["id"], ())
            codes = {i.id: i.code for i in item.campaign.items} if opened else {}
            receipts[id(item)] = {
                "uuid": item.uuid,
                "status": check["status"],
                "missing_photos": [p.uuid for p in item.inp.photos],
                "findings": [
                    {
                        "id": f["id"],
                        "item": codes[f["item_id"]],
                        "severity": f["severity"],
                        "status": f["status"],
                    }
                    for f in opened
                ],
                "received_at": received_at,
            }
        return receipts


class _Core:
    """The writer's statements through the session: any database."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def existing(self, uuids: list[str]) -> set[str]:
        return set((await self.session.scalars(select(CHECKS.c.uuid).where(CHECKS.c.uuid.in_(uuids)))).all())

    async def insert(
        self, table: Table, rows: list[dict[str, Any]], returning: tuple[str, ...]
    ) -> list[tuple[Any, ...]]:
        statement = insert(table).returning(*(table.c[name] for name in returning))
        return [tuple(r) for r in (await self.session.execute(statement, rows)).all()]

    async def count(self, change: dict[counts.Key, list[int]]) -> None:
        if change:
            await self.session.execute(
                counts.upsert(self.session.bind.dialect.name), counts.upsert_rows(change)
            )

    async def audit(self, audit: AuditLog) -> None:
        await audit.write(self.session)


class _Direct(_Core):
    """The same statements on the sqlite3 connection of the loop's transaction (server/sqlite_direct.py)."""

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self.connection = session.dbapi
        self.dialect = session.bind.dialect

    async def existing(self, uuids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(uuids), 500):
            chunk = uuids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT uuid FROM checks WHERE uuid IN ({marks})"  # noqa: S608 - only placeholders
            found.update(uuid for (uuid,) in self.connection.execute(sql, chunk).fetchall())
        return found

    async def insert(
        self, table: Table, rows: list[dict[str, Any]], returning: tuple[str, ...]
    ) -> list[tuple[Any, ...]]:
        if not rows:
            return []
        return _inserter(table, tuple(rows[0]), returning, self.dialect).insert(self.connection, rows)

    async def count(self, change: dict[counts.Key, list[int]]) -> None:
        if change:
            _upsert(self.dialect).executemany(self.connection, counts.upsert_rows(change))

    async def audit(self, audit: AuditLog) -> None:
        audit.write_direct(self.connection, self.dialect)


@functools.cache
def _inserter(table: Table, columns: tuple[str, ...], returning: tuple[str, ...], dialect: Any) -> Inserter:
    return Inserter(table, columns, returning, dialect)


@functools.cache
def _upsert(dialect: Any) -> Statement:
    return Statement(counts.upsert("sqlite"), dialect)


def _check_row(item: NewCheck, now: datetime) -> dict[str, Any]:
    inp = item.inp
    return {
        "uuid": item.uuid,
        "author_id": item.user_id,
        "campaign_id": item.campaign.id,
        "kind": inp.kind,
        "recorded_at": inp.recorded_at,
        "recorded_offset_min": inp.offset_min,
        "received_at": now,
        "lat": inp.location.lat,
        "lon": inp.location.lon,
        "accuracy_m": inp.location.accuracy_m,
        "location_source": inp.location.source,
        "site_id": item.site_id,
        "target_unit_id": item.unit_id,
        "note": inp.note,
        "body_sha256": item.digest,
        "status": CheckStatus.awaiting_photos.value if inp.photos else CheckStatus.complete.value,
        "covert": inp.kind == CheckKind.unannounced,
        "disclosed_at": None,
        "disclosed_by_id": None,
        "checklist_version": inp.checklist_version or item.campaign.version or None,
    }


def _answer_rows(item: NewCheck, check_id: int) -> list[dict[str, Any]]:
    items = item.campaign.items_by_code
    return [
        {
            "check_id": check_id,
            "item_id": items[a.item].id,
            "position": pos,
            "result": a.result,
            "severity": (a.severity or items[a.item].severity) if a.result == Result.failed else None,
            "note": a.note,
        }
        for pos, a in enumerate(item.inp.answers)
    ]


def _finding_rows(
    item: NewCheck, check: dict[str, Any], answers: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "check_id": check["id"],
            "answer_id": answer["id"],
            "campaign_id": item.campaign.id,
            "item_id": answer["item_id"],
            "site_id": item.site_id,
            "severity": answer["severity"],
            "status": FindingStatus.new.value,
            "lat": check["lat"],
            "lon": check["lon"],
            "found_at": check["recorded_at"],
            "created_at": now,
            "updated_at": now,
            "covert": check["covert"],
            "disclosed_at": None,
            "assigned_unit_id": None,
            "assigned_at": None,
            "deadline": None,
            "submitted_at": None,
            "closed_at": None,
            "rework_count": 0,
            "duplicate_of_id": None,
        }
        for answer in answers
        if answer["result"] == Result.failed
    ]


def _photo_rows(item: NewCheck, check: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    items = item.campaign.items_by_code
    return [
        {
            "uuid": p.uuid,
            "check_id": check["id"],
            "item_id": items[p.item].id if p.item else None,
            "position": pos,
            "uploader_id": item.user_id,
            "declared_at": now,
            "client_taken_at": p.taken_at,
            "client_lat": p.lat,
            "client_lon": p.lon,
            "rectification_id": None,
            "flags": "",
        }
        for pos, p in enumerate(item.inp.photos)
    ]
