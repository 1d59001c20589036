"""A unit's answer to a duty: the document checked by its content, stored under the data dir by
its sha256 (written aside, then renamed into place), each version kept and audited.

Before the deadline a unit may replace its answer as often as it likes; after it, a unit with no
answer may still give one, marked late, and an answer given stays as it is.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ..audit.chain import AuditLog
from ..db import Database
from ..documents.download import safe_filename
from ..errors import Conflict, Forbidden, NotFound, TooLarge
from ..i18n import gettext as _
from ..models import Duty, DutyAnswer, Role, Unit, User, utcnow
from ..photos.store import write_whole
from ..settings import Settings
from .filetypes import ACCEPTED, FileType, sniff
from .service import DutyService, DutyView


@dataclass(frozen=True)
class Target:
    """A duty and the unit whose answer is being given, both checked for the user."""

    view: DutyView
    unit: Unit


def too_large(size: int | None, limit: int) -> TooLarge:
    if size is None:
        message = _("The file is larger than the limit of %(limit).0f MB.", limit=limit / 2**20)
    else:
        message = _(
            "The file is %(size).1f MB; the limit is %(limit).0f MB.", size=size / 2**20, limit=limit / 2**20
        )
    return TooLarge(message, errors=[{"field": "file", "message": message}])


def stored_name(filename: str | None, file_type: FileType, fallback: str) -> str:
    """The name the unit gave, made safe, with the extension of what the file really is."""
    # Half a character (a lone surrogate from a badly encoded query) is no name any database keeps.
    name = safe_filename(filename.encode("utf-8", "ignore").decode()) if filename else ""
    if not name or name == "download":
        name = fallback
    stem, dot, ext = name.rpartition(".")
    known = {"jpeg": "jpg"}.get(ext.lower(), ext.lower()) if dot else ""
    if known != file_type.extension:
        name = f"{name}.{file_type.extension}"
    return name[-200:]


class AnswerService:
    def __init__(self, db: Database, settings: Settings, duties: DutyService) -> None:
        self.db = db
        self.settings = settings
        self.duties = duties
        self.root = settings.data_dir / "duties"

    def path(self, sha256: str, media_type: str) -> Path:
        ext = next((t.extension for t in ACCEPTED if t.media_type == media_type), "bin")
        return self.root / sha256[:2] / f"{sha256}.{ext}"

    async def target(self, user: User, duty_id: int, unit_code: str) -> Target:
        """Who may answer: the people of the unit asked (a handler, or the office for its own unit).
        Another unit's answer is not found (404) for a handler, refused (403) for the office."""
        if user.role not in (Role.handler, Role.office):
            raise Forbidden(_("A duty is answered by the unit asked for it."))
        view = await self.duties.view(user, duty_id)
        unit = next((u for u in view.units if u.code == unit_code), None)
        if unit is None or unit.id != user.unit_id:
            if user.role == Role.office and unit is not None:
                raise Forbidden(
                    _("A unit answers for itself: the office cannot upload another unit's answer.")
                )
            raise NotFound(
                _("This duty asks nothing of a unit %(code)s that you answer for.", code=unit_code[:40])
            )
        return Target(view, unit)

    def check_size(self, size: int | None) -> None:
        """413 before reading a body whose declared length is over the limit."""
        if size is not None and size > self.settings.max_duty_file_bytes:
            raise too_large(size, self.settings.max_duty_file_bytes)

    async def answer(
        self, user: User, target: Target, data: bytes, filename: str | None
    ) -> tuple[int, DutyAnswer]:
        """201 with the new version; 200 with the latest when the same file comes again; 409 when
        the deadline has passed and the unit has already answered."""
        self.check_size(len(data))
        file_type = sniff(data)
        sha = hashlib.sha256(data).hexdigest()
        duty = target.view.duty
        async with self.db.write() as session:
            # The duty's row is the lock: two uploads of one unit cannot take the same version.
            await session.execute(select(Duty.id).where(Duty.id == duty.id).with_for_update())
            versions = list(
                (
                    await session.scalars(
                        select(DutyAnswer)
                        .where(DutyAnswer.duty_id == duty.id, DutyAnswer.unit_id == target.unit.id)
                        .order_by(DutyAnswer.version)
                    )
                ).all()
            )
            now = utcnow()
            late = now >= target.view.deadline
            if versions and versions[-1].sha256 == sha:
                return 200, versions[-1]  # the same document again: a retried upload
            if versions and late:
                raise Conflict(
                    _(
                        "The deadline of %(day)s has passed: the answer given stays as it is. Ask the office if it must change.",
                        day=duty.due_on.isoformat(),
                    ),
                    code="deadline_passed",
                )
            fallback = f"{duty.code}-{target.unit.code}"
            answer = DutyAnswer(
                duty_id=duty.id,
                unit_id=target.unit.id,
                version=len(versions) + 1,
                filename=stored_name(filename, file_type, fallback),
                media_type=file_type.media_type,
                size_bytes=len(data),
                sha256=sha,
                uploaded_by_id=user.id,
                uploaded_at=now,
                late=late,
            )
            # The file is in place before the row that names it is committed.
            await asyncio.to_thread(write_whole, self.path(sha, file_type.media_type), data)
            session.add(answer)
            await session.flush()
            audit = AuditLog(actor_id=user.id)
            audit.record("duty.answered" if not versions else "duty.answer_replaced", "duty_answer", answer)
            await audit.write(session)
            await session.refresh(answer, ["unit"])
            return 201, answer

    async def file(
        self, user: User, duty_id: int, unit_code: str, version: int | None
    ) -> tuple[DutyView, DutyAnswer, bytes]:
        """The answer's document (the latest version, or the one asked for) for whoever may see that
        unit's answer; 404 for any other unit's, as if it did not exist."""
        view = await self.duties.view(user, duty_id)
        mine = next((a for a in view.answers if a.unit.code == unit_code), None)
        chosen = None
        if mine is not None and mine.versions:
            chosen = (
                mine.latest
                if version is None
                else next((v for v in mine.versions if v.version == version), None)
            )
        if chosen is None:
            raise NotFound(_("There is no such answer that you may see."))
        try:
            content = await asyncio.to_thread(self.path(chosen.sha256, chosen.media_type).read_bytes)
        except FileNotFoundError:
            raise NotFound(_("The answer's file is missing from the store; tell the office.")) from None
        return view, chosen, content
