"""Appending to the hash-chained audit trail.

Each entry's hash covers the previous entry's hash and its own canonical JSON, which
holds the audited state of the object after the change. `xuncha audit verify` can then
detect an entry edited or removed outside the app, and also a record whose row was
changed without an entry saying so.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    AuditEntry,
    AuditHead,
    Bulletin,
    Campaign,
    Check,
    ChecklistItem,
    ChecklistVersion,
    Complaint,
    ContactPoint,
    Duty,
    DutyAnswer,
    DutyUnit,
    EligibilityLoss,
    Evaluation,
    Finding,
    Interview,
    Photo,
    Praise,
    Rectification,
    Site,
    Topic,
    Unit,
    UnitNotice,
    User,
    utcnow,
)
from ..sqlite_direct import Statement

GENESIS = "0" * 64
# Core tables: appending is on every write path, and the ORM's bulk machinery costs more.
ENTRIES, HEAD = AuditEntry.__table__, AuditHead.__table__

# The columns whose values the trail vouches for, per audited object type.
AUDITED_FIELDS: dict[str, tuple[str, ...]] = {
    "check": tuple(
        "uuid author_id campaign_id kind recorded_at lat lon accuracy_m location_source site_id target_unit_id "
        "note body_sha256 status covert disclosed_at disclosed_by_id checklist_version".split()
    ),
    "finding": tuple(
        "check_id answer_id campaign_id item_id site_id severity status lat lon found_at covert disclosed_at "
        "assigned_unit_id assigned_at deadline submitted_at closed_at rework_count duplicate_of_id notice_number "
        "escalated_at".split()
    ),
    "photo": tuple(
        "uuid check_id rectification_id item_id uploader_id received_at media_type size_bytes sha256 width height "
        "taken_at exif_lat exif_lon far_from_check flags".split()
    ),
    "rectification": tuple(
        "uuid finding_id unit_id author_id note recorded_at lat lon accuracy_m location_source body_sha256 status "
        "completed_at".split()
    ),
    # The complainant's name and phone stay out of the trail: it is read by more than the office.
    "complaint": tuple(
        "uuid source received_at campaign_id status assigned_unit_id deadline first_investigated_at "
        "investigated_at first_visited_at visited_at visit_outcome reopen_count closed_at finding_id "
        "body_sha256".split()
    ),
    "evaluation": tuple(
        "period unit_id satisfied basically_satisfied unsatisfied entered_by_id entered_at".split()
    ),
    # The figures by their digest: a published bulletin's figures edited in place break the trail.
    "bulletin": tuple(
        "kind period campaign_id status figures_sha256 created_by_id generated_at published_by_id "
        "published_at".split()
    ),
    # What follows from a rating (docs/consequences.md): every field, the unit's answer included.
    "unit_notice": tuple(
        "year seq number period unit_id rating override_reason problems deadline issued_by_id issued_at "
        "status answer answered_by_id answered_at document_sha256 document_name document_type document_size "
        "decided_by_id decided_at decision_note".split()
    ),
    "interview": tuple(
        "period unit_id held_at interviewee interviewers summary follow_up recorded_by_id recorded_at".split()
    ),
    "eligibility_loss": tuple(
        "year period unit_id reason rating override_reason recorded_by_id recorded_at".split()
    ),
    "praise": tuple("period unit_id text rating override_reason recorded_by_id recorded_at".split()),
}
# The bureau's set-up, kept by the office. A user's password hash is not in the trail,
# only when it was set; nor is the login bookkeeping (last login, failed attempts).
AUDITED_FIELDS.update(
    {
        "unit": tuple("code name_zh name_en kind parent_id leader_in_charge_id active".split()),
        "user": tuple(
            "username display_name display_name_en role unit_id active must_change_password "
            "password_expires_at password_set_at".split()
        ),
        "campaign": tuple(
            "code name_zh name_en category lead_id responsible_unit_id measures_zh measures_en starts_on "
            "ends_on active".split()
        ),
        "checklist_item": tuple("campaign_id code revision text_zh text_en severity position active".split()),
        "checklist_version": tuple("campaign_id number created_by_id".split()),
        "site": tuple("code name_zh name_en kind lat lon unit_id active".split()),
        "contact_point": tuple("leader_id unit_id active".split()),
        "topic": tuple(
            "leader_id unit_id title body deadline status answer answered_at answered_by_id decided_at "
            "decision_note".split()
        ),
        # The year's calendar: a duty as the office set it, the units chosen for it, and every
        # version of a unit's answer (the file itself is vouched for by its sha256).
        "duty": tuple(
            "year code title_zh title_en description_zh description_en due_on scope created_by_id "
            "created_at".split()
        ),
        "duty_unit": ("duty_id", "unit_id"),
        "duty_answer": tuple(
            "duty_id unit_id version filename media_type size_bytes sha256 uploaded_by_id uploaded_at "
            "late".split()
        ),
    }
)
MODELS: dict[str, Any] = {
    "check": Check,
    "finding": Finding,
    "photo": Photo,
    "rectification": Rectification,
    "unit": Unit,
    "user": User,
    "campaign": Campaign,
    "checklist_item": ChecklistItem,
    "checklist_version": ChecklistVersion,
    "site": Site,
    "contact_point": ContactPoint,
    "topic": Topic,
    "complaint": Complaint,
    "evaluation": Evaluation,
    "bulletin": Bulletin,
    "unit_notice": UnitNotice,
    "interview": Interview,
    "eligibility_loss": EligibilityLoss,
    "praise": Praise,
    "duty": Duty,
    "duty_unit": DutyUnit,
    "duty_answer": DutyAnswer,
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        # Normalised to UTC, as the database gives it back, so a state recorded from the
        # values written compares equal to the state read from the row later.
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def state_of(object_type: str, row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        return {name: _plain(row.get(name)) for name in AUDITED_FIELDS[object_type]}
    return {name: _plain(getattr(row, name)) for name in AUDITED_FIELDS[object_type]}


# One encoder for every entry: json.dumps with these options builds a new one per call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
# msgspec writes strings, integers, booleans and null exactly as json.dumps does with the options
# above (every code point was compared), and floats too from 1e-4 to 1e16, where both use plain
# decimals; several times faster. Used only for values of those kinds, so that every entry's text,
# and so its hash, is the same as canonical() would make it.
_EXACT = msgspec.json.Encoder(order="sorted")
_AS_IS = frozenset((str, int, bool, type(None)))


def canonical(payload: dict[str, Any]) -> str:
    return _CANONICAL.encode(payload)


def _exactly_encodable(value: Any) -> bool:
    cls = value.__class__
    if cls in _AS_IS:
        return True
    return cls is float and (value == 0.0 or 1e-4 <= abs(value) < 1e16)  # NaN and infinities fail


def entry_data(object_type: str, row: Any, details: dict[str, Any]) -> str:
    """canonical({"state": state_of(object_type, row), "details": details}) (no details: no key)."""
    get = row.get if isinstance(row, dict) else functools.partial(getattr, row)
    state: dict[str, Any] = {}
    exact = not details
    for name in AUDITED_FIELDS[object_type]:
        value = get(name)
        if value.__class__ not in _AS_IS:
            value = _plain(value)
            exact = exact and _exactly_encodable(value)
        state[name] = value
    data: dict[str, Any] = {"state": state}
    if details:
        data["details"] = details
    return _EXACT.encode(data).decode() if exact else canonical(data)


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    data: str,
) -> str:
    payload = {
        "seq": seq,
        "at": at,
        "actor": actor_id,
        "action": action,
        "type": object_type,
        "id": object_id,
        "data": data,
    }
    if all(value.__class__ in _AS_IS for value in payload.values()):
        body = _EXACT.encode(payload)
    else:
        body = canonical(payload).encode()
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


@dataclass
class AuditLog:
    """Entries gathered during a transaction and appended together at its end."""

    actor_id: int | None
    pending: list[tuple[str, str, Any, int | None, dict[str, Any]]] = field(default_factory=list)

    def record(
        self, action: str, object_type: str, row: Any, *, actor: int | None = None, **details: Any
    ) -> None:
        """Note a change of an ORM object, or of a row written with Core (a dict with its "id")."""
        who = self.actor_id if actor is None else actor
        self.pending.append((action, object_type, row, who, {k: _plain(v) for k, v in details.items()}))

    async def write(self, session: AsyncSession) -> None:
        if not self.pending:
            return
        await session.flush()
        # The head row is the chain's lock: concurrent writers append one after another.
        head = (
            await session.execute(
                select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
            )
        ).one()
        rows, seq, prev = self.entries(head.seq, head.hash)
        await session.execute(insert(ENTRIES), rows)
        await session.execute(update(HEAD).where(HEAD.c.id == 1).values(seq=seq, hash=prev))

    def write_direct(self, connection: Any, dialect: Dialect) -> None:
        """`write` on the sqlite3 connection of a `Database.write_batch` transaction (which holds
        SQLite's write lock, so the head needs no row lock), for rows written with Core."""
        if not self.pending:
            return
        seq, prev = connection.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        rows, seq, prev = self.entries(seq, prev)
        _entry_insert(dialect).executemany(connection, rows)
        connection.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))

    def entries(self, seq: int, prev: str) -> tuple[list[dict[str, Any]], int, str]:
        """The pending entries as rows chained after (seq, prev), and the new head; clears them."""
        at = utcnow()
        at_text = at.isoformat()
        rows = []
        for action, object_type, row, actor, details in self.pending:
            seq += 1
            # The state is read after the flush, so it is exactly what this transaction commits.
            text = entry_data(object_type, row, details)
            object_id = str(row["id"] if isinstance(row, dict) else row.id)
            digest = entry_hash(prev, seq, at_text, actor, action, object_type, object_id, text)
            rows.append(
                {
                    "seq": seq,
                    "at": at,
                    "actor_id": actor,
                    "action": action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "data": text,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        self.pending.clear()
        return rows, seq, prev


@functools.cache
def _entry_insert(dialect: Dialect) -> Statement:
    return Statement(insert(ENTRIES), dialect)


async def add_audited(session: AsyncSession, row: Any, actor_id: int, action: str, object_type: str) -> None:
    """Add a new record and its first entry of the trail, in the caller's transaction."""
    session.add(row)
    await session.flush()
    audit = AuditLog(actor_id=actor_id)
    audit.record(action, object_type, row)
    await audit.write(session)
