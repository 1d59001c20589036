"""The duties API: the office sets the year's duties, units answer them with a document, and
whoever may see a unit's answer downloads it (docs/duties.md)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter, SkipValidation

from ..accounts.guards import roles
from ..api import MAX_ROW_ID, JsonRequest, shaped
from ..deps import DutiesDep, DutyAnswersDep
from ..documents.uploads import document_response, read_body
from ..i18n import lang
from ..models import Role
from ..web import UserRequest
from .presenters import AnswerOut, DutyIn, DutyOut, duty_json, version_json
from .service import FIRST_YEAR, LAST_YEAR

DutyId = Annotated[int, PathParameter(ge=1, le=MAX_ROW_ID, description="The duty's number.", title="duty_id")]
Year = Annotated[
    int | None,
    QueryParameter(ge=FIRST_YEAR, le=LAST_YEAR, description="The calendar's year; this year by default."),
]
Version = Annotated[
    int | None, QueryParameter(ge=1, le=MAX_ROW_ID, description="An earlier version; the latest by default.")
]
READERS = roles(Role.office, Role.lead, Role.handler)


class DutyApiController(Controller):
    path = "/api/v1/duties"
    tags = ["duties"]
    request_class = JsonRequest

    @post("/", guards=[roles(Role.office)], status_code=201, request_max_body_size=64 * 1024)
    async def create(self, request: UserRequest, duties: DutiesDep, data: SkipValidation[DutyIn]) -> DutyOut:
        """A duty of the year (office): `{"year", "code", "title_zh", "title_en", "description_zh",
        "description_en", "deadline": "YYYY-MM-DD", "units": "all" | [CODE, ...]}`; 422 names each
        field that is wrong, 409 when the year has a duty of that code already."""
        duty = await duties.create(request.user, data)
        return shaped(duty_json(await duties.view(request.user, duty.id), lang()), DutyOut)

    @get("/", guards=[READERS])
    async def list_duties(self, request: UserRequest, duties: DutiesDep, year: Year = None) -> list[DutyOut]:
        """The year's duties by deadline, with the answers of the units the reader may see: all for
        the office, a lead's campaigns' units, a handler's own unit (and only the duties it is asked for)."""
        views = await duties.views(request.user, year=year or duties.current_year())
        return [shaped(duty_json(view, lang()), DutyOut) for view in views]

    @get("/{duty_id:int}", guards=[READERS])
    async def duty(self, request: UserRequest, duty_id: DutyId, duties: DutiesDep) -> DutyOut:
        return shaped(duty_json(await duties.view(request.user, duty_id), lang()), DutyOut)

    # The body is the document itself, its size limited by XUNCHA_MAX_DUTY_FILE_BYTES as it streams.
    @put(
        "/{duty_id:int}/answers/{unit:str}",
        guards=[roles(Role.handler, Role.office)],
        request_max_body_size=None,
        status_code=201,
    )
    async def put_answer(
        self,
        request: UserRequest,
        duty_id: DutyId,
        unit: FromPath[str],
        duty_answers: DutyAnswersDep,
        filename: FromQuery[str | None] = None,
    ) -> Response[AnswerOut]:
        """The unit's answer: the document (PDF, DOCX, XLSX, JPEG or PNG, told by its content) as
        the body; `filename` names it. 201 with a new version, 200 when the same file comes again;
        415 for any other content, 413 over the size limit, 409 for a replacement after the deadline."""
        target = await duty_answers.target(request.user, duty_id, unit)
        data = await read_body(request, duty_answers.settings.max_duty_file_bytes, "file")
        status, answer = await duty_answers.answer(request.user, target, data, filename)
        mine = await duty_answers.duties.view(request.user, duty_id)
        row = mine.answer_of(target.unit.id)
        body = {
            "duty": duty_id,
            "unit": target.unit.code,
            "status": row.status if row else "missing",
            "answer": version_json(answer, target.unit.code, mine.uploaders.get(answer.uploaded_by_id, "")),
        }
        return Response(shaped(body, AnswerOut), status_code=status)

    @get("/{duty_id:int}/answers/{unit:str}/file", guards=[READERS])
    async def answer_file(
        self,
        request: UserRequest,
        duty_id: DutyId,
        unit: FromPath[str],
        duty_answers: DutyAnswersDep,
        version: Version = None,
    ) -> Response[bytes]:
        """The answer's document, always as an attachment of the type its content was checked to be."""
        view, answer, content = await duty_answers.file(request.user, duty_id, unit, version)
        ascii_name = (
            f"{view.duty.year}-{view.duty.code}-{unit}-v{answer.version}.{answer.filename.rsplit('.', 1)[-1]}"
        )
        return document_response(content, answer.filename, answer.media_type, ascii_name)
