"""What follows from a rating, for programs: /api/v1/assessment (docs/consequences.md).

The office writes; a unit's handler reads its own records and answers its notices; a lead reads
those of the units of their campaigns; anyone else 403, and a record of a unit one may not read 404.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, PathParameter
from msgspec import Meta, Struct

from ..accounts.guards import logged_in, roles
from ..api import MAX_ROW_ID, read_json, shaped
from ..deps import ConsequencesDep, UnitNoticesDep
from ..documents.download import PDF, PDF_RESPONSES, download
from ..documents.uploads import document_response
from ..i18n import lang
from ..models import Role
from ..photos.forms import FORM_BODY_LIMIT
from ..web import UserRequest
from .consequences import eligibility_json, interview_json, notice_json, praise_json
from .notice_pdf import unit_notice_pdf
from .notices import NoticeQuery, answer_document

NoticeId = Annotated[
    int,
    PathParameter(ge=1, le=MAX_ROW_ID, description="The notice's number in the system.", title="notice_id"),
]
JSON_LIMIT = 64 * 1024


def notice_query(
    period: FromQuery[str | None] = None, unit: FromQuery[str | None] = None, overdue: FromQuery[bool] = False
) -> NoticeQuery:
    """GET /notices's query: `period`, `unit` (a code), `overdue`."""
    return NoticeQuery(period, unit, overdue)


class _Out(Struct, forbid_unknown_fields=True):
    """What the API answers (a key the presenter adds but the schema lacks fails in `shaped`)."""


class UnitRef(_Out):
    code: str
    name: str


class DocumentOut(_Out):
    name: str
    media_type: str
    size: int
    url: str


class UnitNoticeOut(_Out):
    """A unit rectification notice (整改通知书) and the unit's answer."""

    id: int
    number: Annotated[str, Meta(description="Numbered per year of issue, without gaps.")]
    period: str
    unit: UnitRef
    rating: Annotated[str | None, Meta(description="The unit's rating for the period when issued.")]
    override_reason: str
    problems: str
    deadline: str
    issued_by: str
    issued_at: str
    status: Annotated[str, Meta(description="issued, answered, accepted or returned.")]
    overdue: bool
    answer: str
    answered_by: str | None
    answered_at: str | None
    document: DocumentOut | None
    decided_by: str | None
    decided_at: str | None
    decision_note: str
    pdf: str


class InterviewOut(_Out):
    """An interview with the unit's head (约谈)."""

    id: int
    period: str
    unit: UnitRef
    held_at: str
    interviewee: str
    interviewers: str
    summary: str
    follow_up: str
    recorded_by: str
    recorded_at: str


class EligibilityOut(_Out):
    """The loss of award eligibility for a year (取消评先资格)."""

    id: int
    year: int
    period: str
    unit: UnitRef
    reason: str
    rating: str | None
    override_reason: str
    recorded_by: str
    recorded_at: str


class PraiseOut(_Out):
    """Praise in a bulletin (通报表彰)."""

    id: int
    period: str
    unit: UnitRef
    text: str
    rating: str | None
    override_reason: str
    recorded_by: str
    recorded_at: str


class ConsequencesOut(_Out):
    period: str
    notices: list[UnitNoticeOut]
    interviews: list[InterviewOut]
    eligibility_losses: list[EligibilityOut]
    praises: list[PraiseOut]


async def answer_body(request: UserRequest, limit: int) -> tuple[Any, Any]:
    """The answer's fields and document: JSON `{"answer"}`, or a multipart form with `answer` and
    an optional file `document`."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        document = await answer_document(form.get("document"), limit)
        return {"answer": form.get("answer") if isinstance(form.get("answer"), str) else None}, document
    return await read_json(request), None


async def decided(request: UserRequest, unit_notices: Any, notice_id: int, outcome: str) -> UnitNoticeOut:
    body = await read_json(request) if await request.body() else {}
    notice = await unit_notices.decide(request.user, notice_id, outcome, body)
    return shaped(notice_json(notice, lang()), UnitNoticeOut)


def _recorded(
    name: str, path: str, action: str, present: Callable[[Any, str], dict[str, Any]], out: type[Any], doc: str
) -> Any:
    """POST `path`, for the office: the record ConsequenceService.`action` makes of the JSON body,
    answered as `out` (201)."""

    async def handler(self, request: UserRequest, consequences: ConsequencesDep) -> Any:
        row = await attrgetter(action)(consequences)(request.user, await read_json(request))
        return shaped(present(row, lang()), out)

    handler.__name__, handler.__doc__ = name, doc
    handler.__annotations__["return"] = out
    return post(path, guards=[roles(Role.office)], status_code=201)(handler)


class ConsequenceApiController(Controller):
    path = "/api/v1/assessment"
    guards = [logged_in]
    tags = ["assessment"]
    request_max_body_size = JSON_LIMIT

    issue = _recorded(
        "issue",
        "/notices",
        "notices.issue",
        notice_json,
        UnitNoticeOut,
        """Issue a unit rectification notice: `{"period", "unit", "deadline", "problems"?, "override_reason"?}`.""",
    )

    @get("/notices", dependencies={"which": Provide(notice_query, sync_to_thread=False)})
    async def notices(
        self, request: UserRequest, unit_notices: UnitNoticesDep, which: NamedDependency[NoticeQuery]
    ) -> list[UnitNoticeOut]:
        """The notices the caller may read, newest first."""
        rows = await unit_notices.list_for(request.user, which)
        return [shaped(notice_json(n, lang()), UnitNoticeOut) for n in rows]

    @get("/notices/{notice_id:int}")
    async def notice(
        self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep
    ) -> UnitNoticeOut:
        return shaped(notice_json(await unit_notices.get(request.user, notice_id), lang()), UnitNoticeOut)

    @get("/notices/{notice_id:int}/notice.pdf", media_type=PDF, responses=PDF_RESPONSES)
    async def notice_pdf(
        self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep
    ) -> Response[bytes]:
        notice = await unit_notices.get(request.user, notice_id)
        pdf = await unit_notice_pdf(notice, unit_notices.settings)
        return download(
            pdf, f"整改通知书{notice.number}.pdf", PDF, inline=True, ascii_name=f"unit-notice-{notice_id}.pdf"
        )

    @get("/notices/{notice_id:int}/document", media_type="application/octet-stream")
    async def document(
        self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep
    ) -> Response[bytes]:
        """The document the unit sent with its answer, with the type its bytes showed."""
        data, name, media_type = await unit_notices.document(request.user, notice_id)
        return document_response(data, name, media_type, f"answer-{notice_id}.{name.rsplit('.', 1)[-1]}")

    @post(
        "/notices/{notice_id:int}/answer", guards=[roles(Role.handler)], request_max_body_size=FORM_BODY_LIMIT
    )
    async def answer(
        self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep
    ) -> UnitNoticeOut:
        """The unit's answer: JSON `{"answer"}`, or multipart with `answer` and a file `document`
        (PDF, JPEG, PNG or DOCX, by content)."""
        data, document = await answer_body(request, unit_notices.settings.max_document_bytes)
        notice = await unit_notices.answer(request.user, notice_id, data, document)
        return shaped(notice_json(notice, lang()), UnitNoticeOut)

    @post("/notices/{notice_id:int}/accept", guards=[roles(Role.office)])
    async def accept(
        self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep
    ) -> UnitNoticeOut:
        """Accept the unit's answer: `{"note"?}`."""
        return await decided(request, unit_notices, notice_id, "accept")

    @post("/notices/{notice_id:int}/return", guards=[roles(Role.office)])
    async def send_back(
        self, request: UserRequest, notice_id: NoticeId, unit_notices: UnitNoticesDep
    ) -> UnitNoticeOut:
        """Return the answer to the unit: `{"note"}` says what is missing."""
        return await decided(request, unit_notices, notice_id, "return")

    interview = _recorded(
        "interview",
        "/interviews",
        "interview",
        interview_json,
        InterviewOut,
        """Record an interview: `{"period", "unit", "held_at", "interviewee", "interviewers", "summary", "follow_up"?}`.""",
    )
    eligibility = _recorded(
        "eligibility",
        "/eligibility",
        "remove_eligibility",
        eligibility_json,
        EligibilityOut,
        """Remove a unit's award eligibility for the period's year: `{"period", "unit", "reason", "override_reason"?}`.""",
    )
    praise = _recorded(
        "praise",
        "/praise",
        "praise",
        praise_json,
        PraiseOut,
        """Praise an excellent unit: `{"period", "unit", "text", "override_reason"?}`.""",
    )

    @get("/consequences")
    async def consequences(
        self, request: UserRequest, consequences: ConsequencesDep, period: FromQuery[str | None] = None
    ) -> ConsequencesOut:
        """Every record of the period (and the quarters and months within it) the caller may read."""
        return shaped(await consequences.visible_for_period(request.user, period, lang()), ConsequencesOut)
