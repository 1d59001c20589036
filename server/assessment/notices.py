"""The unit rectification notice (整改通知书) the office issues for a rating: numbered per year,
answered by the unit (text and an optional document), accepted or returned by the office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..admin.fields import Body
from ..audit.chain import AuditLog, add_audited
from ..db import Database
from ..documents.uploads import (
    DOCX_KIND,
    JPEG_KIND,
    PDF_KIND,
    PNG_KIND,
    Accepted,
    Document,
    DocumentStore,
    read_upload,
)
from ..errors import Conflict, Forbidden, NotFound
from ..i18n import gettext as _
from ..labels import N_
from ..models import Role, UnitNotice, UnitNoticeCounter, User, utcnow
from ..numbering import next_in_year
from .consequence_rules import Rules, contained_periods, problems_text
from .periods import parse_period

OPEN = ("issued", "returned")
NOTICE_FIELDS = {"period", "unit", "deadline", "problems", "override_reason"}
# What may come with an answer; the limit is XUNCHA_MAX_DOCUMENT_BYTES.
NOTICE_DOCUMENTS = Accepted((PDF_KIND, JPEG_KIND, PNG_KIND, DOCX_KIND), N_("PDF, JPEG, PNG or Word (DOCX)"))


@dataclass(frozen=True)
class NoticeQuery:
    """Which notices a list shows: of a period (and the periods within it), of a unit (by its
    code), only those overdue; each left empty shows all."""

    period: str | None = None
    unit: str | None = None
    overdue: bool = False


async def answer_document(upload: Any, limit: int) -> Document | None:
    """The form's optional file `document` sent with an answer, checked by its content."""
    return await read_upload(upload, NOTICE_DOCUMENTS, limit, field="document", fallback="document")


def notice_number(year: int, seq: int) -> str:
    return f"十城管督改〔{year}〕第{seq}号"


def is_overdue(notice: UnitNotice, now: datetime | None = None) -> bool:
    """Not answered (or returned) and past its deadline."""
    return notice.status in OPEN and notice.deadline < (now or utcnow())


class UnitNoticeService:
    def __init__(self, db: Database, rules: Rules, store: DocumentStore) -> None:
        self.db = db
        self.rules = rules
        self.settings = rules.settings
        self.store = store

    async def prefill(self, period_key: str, unit_code: str) -> str:
        """The problems a new notice to the unit would name, from its score for the period."""
        body = Body({"period": period_key, "unit": unit_code}, {"period", "unit"})
        target = await self.rules.target(body, self.rules.period(body))
        body.errors.raise_if_any(_("The notice could not be prepared."))
        assert target is not None
        return problems_text(target.score, self.rules.settings.rating_bands[1])

    async def issue(self, user: User, data: Any) -> UnitNotice:
        self.rules.require_office(user)
        body = Body(data, NOTICE_FIELDS)
        period = self.rules.period(body)
        target = await self.rules.target(body, period)
        override = self.rules.rating_rule(body, target, "unqualified")
        deadline = self.rules.moment(body, "deadline", future=True)
        problems = body.text("problems", 4000)
        body.errors.raise_if_any(_("The notice was not issued; nothing was saved."))
        assert target is not None and deadline is not None
        if not problems:
            problems = problems_text(target.score, self.rules.settings.rating_bands[1])
        async with self.db.write() as session:
            now = utcnow()
            year = now.astimezone(self.rules.zone).year
            seq = await next_in_year(session, UnitNoticeCounter, year)
            notice = UnitNotice(
                year=year,
                seq=seq,
                number=notice_number(year, seq),
                period=target.period.key,
                unit_id=target.unit.id,
                rating=target.rating,
                override_reason=override,
                problems=problems,
                deadline=deadline,
                issued_by_id=user.id,
                issued_at=now,
                status="issued",
                answer="",
                document_name="",
                document_type="",
                decision_note="",
            )
            await add_audited(session, notice, user.id, "unit_notice.issued", "unit_notice")
        return await self.get(user, notice.id)

    async def get(self, user: User, notice_id: int) -> UnitNotice:
        visible = await self.rules.visible_unit_ids(user)
        async with self.db.read() as session:
            notice = await session.get(UnitNotice, notice_id)
        if notice is None or notice.unit_id not in visible:
            raise NotFound(_("There is no notice %(id)s that you may see.", id=notice_id))
        return notice

    async def list_for(self, user: User, which: NoticeQuery = NoticeQuery()) -> list[UnitNotice]:
        """The notices the user may read, newest first, narrowed by `which`."""
        visible = await self.rules.visible_unit_ids(user)
        query = select(UnitNotice).where(UnitNotice.unit_id.in_(visible))
        if which.period:
            query = query.where(UnitNotice.period.in_(contained_periods(parse_period(which.period))))
        if which.unit:
            named = await self.rules.scores.scored_unit(which.unit)
            if named is None or named.id not in visible:
                raise Forbidden(
                    _(
                        "You may read the notices of your own units only: %(code)s is not one.",
                        code=which.unit[:40],
                    )
                )
            query = query.where(UnitNotice.unit_id == named.id)
        if which.overdue:
            query = query.where(UnitNotice.status.in_(OPEN), UnitNotice.deadline < utcnow())
        async with self.db.read() as session:
            rows = await session.scalars(query.order_by(UnitNotice.year.desc(), UnitNotice.seq.desc()))
            return list(rows.unique().all())

    async def _locked(self, session: Any, user: User, notice_id: int) -> UnitNotice:
        visible = await self.rules.visible_unit_ids(user)
        # The row alone is locked: PostgreSQL refuses FOR UPDATE on the outer-joined answerer.
        await session.execute(select(UnitNotice.id).where(UnitNotice.id == notice_id).with_for_update())
        notice = await session.get(UnitNotice, notice_id)
        if notice is None or notice.unit_id not in visible:
            raise NotFound(_("There is no notice %(id)s that you may see.", id=notice_id))
        return notice

    async def answer(self, user: User, notice_id: int, data: Any, document: Document | None) -> UnitNotice:
        """The unit's answer: its text, and a document kept under the data dir."""
        body = Body(data, {"answer"})
        text = body.text("answer", 4000, required=True)
        body.errors.raise_if_any(_("The answer was not recorded; nothing was saved."))
        async with self.db.write() as session:
            notice = await self._locked(session, user, notice_id)
            if user.role != Role.handler or notice.unit_id != user.unit_id:
                raise Forbidden(_("Only the unit the notice was issued to answers it."))
            if notice.status not in OPEN:
                raise Conflict(
                    _("The notice is %(status)s; it takes no answer now.", status=notice.status),
                    extra={"notice_status": notice.status},
                )
            if document is not None:
                # Written before the row: a failed write leaves no answer naming a missing file.
                await self.store.save(document)
                notice.document_sha256, notice.document_name = document.sha256, document.name
                notice.document_type, notice.document_size = document.media_type, document.size
            notice.answer, notice.answered_by_id, notice.answered_at = text, user.id, utcnow()
            notice.status = "answered"
            audit = AuditLog(actor_id=user.id)
            audit.record("unit_notice.answered", "unit_notice", notice)
            await audit.write(session)
        return await self.get(user, notice_id)

    async def decide(self, user: User, notice_id: int, outcome: str, data: Any) -> UnitNotice:
        """The office accepts the answer, or returns it with a note saying what is missing."""
        self.rules.require_office(user)
        body = Body(data if data is not None else {}, {"note"})
        note = body.text("note", 2000, required=outcome == "return")
        body.errors.raise_if_any(_("The decision was not recorded; nothing was saved."))
        async with self.db.write() as session:
            notice = await self._locked(session, user, notice_id)
            if notice.status != "answered":
                raise Conflict(
                    _(
                        "The notice is %(status)s; only an answered notice is accepted or returned.",
                        status=notice.status,
                    ),
                    extra={"notice_status": notice.status},
                )
            notice.status = "accepted" if outcome == "accept" else "returned"
            notice.decided_by_id, notice.decided_at, notice.decision_note = user.id, utcnow(), note
            audit = AuditLog(actor_id=user.id)
            audit.record(f"unit_notice.{notice.status}", "unit_notice", notice)
            await audit.write(session)
        return await self.get(user, notice_id)

    async def document(self, user: User, notice_id: int) -> tuple[bytes, str, str]:
        notice = await self.get(user, notice_id)
        if not notice.document_sha256:
            raise NotFound(_("The answer to notice %(number)s has no document.", number=notice.number))
        try:
            data = await self.store.read(notice.document_sha256)
        except OSError:
            raise NotFound(
                _("The document of notice %(number)s is missing from the store.", number=notice.number)
            ) from None
        return data, notice.document_name, notice.document_type
