"""A unit's answer to a duty: the document checked by its content, stored under the data dir by
its sha256 (written aside, then renamed into place), each version kept and audited.

Before the deadline a unit may replace its answer as often as it likes; after it, a unit with no
answer may still give one, marked late, and an answer given stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..audit.chain import AuditLog
from ..db import Database
from ..documents.uploads import (
    DOCX_KIND,
    JPEG_KIND,
    PDF_KIND,
    PNG_KIND,
    XLSX_KIND,
    Accepted,
    DocumentStore,
    check_document,
)
from ..errors import Conflict, Forbidden, NotFound
from ..i18n import gettext as _
from ..labels import N_
from ..models import Duty, DutyAnswer, Role, Unit, User, utcnow
from ..settings import Settings
from .service import DutyService, DutyView

# What a duty's answer may be; the limit is XUNCHA_MAX_DUTY_FILE_BYTES.
DUTY_DOCUMENTS = Accepted(
    (PDF_KIND, DOCX_KIND, XLSX_KIND, JPEG_KIND, PNG_KIND), N_("PDF, Word (DOCX), Excel (XLSX), JPEG or PNG")
)


@dataclass(frozen=True)
class Target:
    """A duty and the unit whose answer is being given, both checked for the user."""

    view: DutyView
    unit: Unit


class AnswerService:
    def __init__(self, db: Database, settings: Settings, duties: DutyService) -> None:
        self.db = db
        self.settings = settings
        self.duties = duties
        self.store = DocumentStore(settings.data_dir / "duties")

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

    async def answer(
        self, user: User, target: Target, data: bytes, filename: str | None
    ) -> tuple[int, DutyAnswer]:
        """201 with the new version; 200 with the latest when the same file comes again; 409 when
        the deadline has passed and the unit has already answered."""
        duty = target.view.duty
        document = check_document(
            data,
            filename,
            DUTY_DOCUMENTS,
            self.settings.max_duty_file_bytes,
            field="file",
            fallback=f"{duty.code}-{target.unit.code}",
        )
        sha = document.sha256
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
            answer = DutyAnswer(
                duty_id=duty.id,
                unit_id=target.unit.id,
                version=len(versions) + 1,
                filename=document.name,
                media_type=document.media_type,
                size_bytes=document.size,
                sha256=sha,
                uploaded_by_id=user.id,
                uploaded_at=now,
                late=late,
            )
            # The file is in place before the row that names it is committed.
            await self.store.save(document)
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
            content = await self.store.read(chosen.sha256)
        except FileNotFoundError:
            raise NotFound(_("The answer's file is missing from the store; tell the office.")) from None
        return view, chosen, content
