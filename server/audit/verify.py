"""`xuncha audit verify`: walk the chain, then compare every audited record with its last entry.

Two kinds of tampering are caught: an entry edited, inserted or removed outside the app
(its hash, or the next entry's link to it, no longer matches), and a record changed
outside the app without an entry saying so (its row no longer equals the state its last
entry vouches for).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass

from sqlalchemy import select

from ..db import Database
from ..models import AuditEntry, AuditHead
from ..settings import Settings
from .chain import AUDITED_FIELDS, GENESIS, MODELS, canonical, entry_hash, state_of

_CHUNK = 5000


@dataclass(frozen=True)
class Break:
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.seq}" if self.seq is not None else "the chain's head"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Report:
    entries: int
    records: int
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


async def verify(db: Database) -> Report:
    latest: dict[tuple[str, str], tuple[int, bytes]] = {}
    prev, expected_seq, count = GENESIS, 1, 0
    async with db.read() as session:
        last_seq = 0
        while True:
            rows = (
                (
                    await session.execute(
                        select(AuditEntry)
                        .where(AuditEntry.seq > last_seq)
                        .order_by(AuditEntry.seq)
                        .limit(_CHUNK)
                    )
                )
                .scalars()
                .all()
            )
            if not rows:
                break
            for entry in rows:
                if entry.seq != expected_seq:
                    return Report(
                        count, 0, Break(expected_seq, f"missing; the next entry present is {entry.seq}")
                    )
                if entry.prev_hash != prev:
                    return Report(count, 0, Break(entry.seq, "does not link to the entry before it"))
                digest = entry_hash(
                    prev,
                    entry.seq,
                    entry.at.isoformat(),
                    entry.actor_id,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.data,
                )
                if digest != entry.hash:
                    return Report(count, 0, Break(entry.seq, "its content was changed after it was written"))
                # Only a digest of each object's last state is kept: a million findings fit.
                latest[(entry.object_type, entry.object_id)] = (
                    entry.seq,
                    _state_digest(json.loads(entry.data)["state"]),
                )
                prev, expected_seq, count = entry.hash, entry.seq + 1, count + 1
            last_seq = rows[-1].seq
        head = (await session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1))).one()
        if head.seq != count or head.hash != prev:
            return Report(
                count, 0, Break(None, f"says the chain ends at entry {head.seq}, but it ends at {count}")
            )

        records = 0
        first: Break | None = None
        for object_type, model in MODELS.items():
            seen: set[str] = set()
            result = await session.stream_scalars(
                select(model).order_by(model.id).execution_options(yield_per=_CHUNK)
            )
            async for row in result:
                records += 1
                key = (object_type, str(row.id))
                seen.add(key[1])
                found = latest.get(key)
                if found is None:
                    candidate = Break(None, f"{object_type} {row.id} has no entry in the trail")
                else:
                    seq, digest = found
                    current = json.loads(canonical(state_of(object_type, row)))
                    if _state_digest(current) == digest:
                        continue
                    entry_data = await session.scalar(select(AuditEntry.data).where(AuditEntry.seq == seq))
                    changed = _changed_fields(
                        object_type, json.loads(entry_data or "{}").get("state", {}), current
                    )
                    candidate = Break(
                        seq, f"{object_type} {row.id} was changed outside the app ({', '.join(changed)})"
                    )
                if first is None or (candidate.seq or 0) < (first.seq or 0):
                    first = candidate
            for (kind, object_id), (seq, _data) in latest.items():
                if kind == object_type and object_id not in seen:
                    candidate = Break(seq, f"{object_type} {object_id} was deleted outside the app")
                    if first is None or seq < (first.seq or 0):
                        first = candidate
    return Report(count, records, first)


def _state_digest(state: dict[str, object]) -> bytes:
    return hashlib.sha256(canonical(state).encode()).digest()


def _changed_fields(object_type: str, recorded: dict[str, object], current: dict[str, object]) -> list[str]:
    return [name for name in AUDITED_FIELDS[object_type] if recorded.get(name) != current.get(name)]


async def verify_cli(settings: Settings) -> int:
    async with Database(settings) as db:
        report = await verify(db)
    if report.intact:
        print(
            f"audit trail intact: {report.entries} entries, {report.records} records match their last entry"
        )
        return 0
    print(f"audit trail BROKEN at {report.first_break}", file=sys.stderr)
    return 1
