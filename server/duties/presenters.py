"""The duties API's shapes: the Structs the OpenAPI document shows, and the dicts that fill them."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

from ..models import DutyAnswer
from .service import BUREAU_REPORT, DutyView, UnitAnswer

# Where the bureau's annual report is drafted: the annual bulletin.
BULLETINS = "/bulletins"


class DutyIn(Struct, forbid_unknown_fields=True):
    """A duty of the year, as the office sets it (read field by field: each mistake is named)."""

    year: Annotated[int, Meta(ge=2000, le=2100)]
    code: Annotated[str, Meta(pattern="^[a-z0-9][a-z0-9._-]{0,39}$", description="Unique in the year.")]
    title_zh: Annotated[str, Meta(min_length=1, max_length=200)]
    deadline: Annotated[str, Meta(description="YYYY-MM-DD, in the duty's year or the next; due by its end.")]
    title_en: Annotated[str, Meta(max_length=200, description="title_zh when empty.")] = ""
    description_zh: Annotated[str, Meta(max_length=4000)] = ""
    description_en: Annotated[str, Meta(max_length=4000)] = ""
    units: Annotated[
        str | list[str], Meta(description='"all" (every assessed unit, the default) or a list of unit codes.')
    ] = "all"


class AnswerVersionOut(Struct, forbid_unknown_fields=True):
    version: Annotated[int, Meta(description="1 for the first upload; the highest is the unit's answer.")]
    filename: str
    media_type: Annotated[str, Meta(description="Read from the file's content, not from its name.")]
    size_bytes: int
    sha256: str
    uploaded_at: str
    uploaded_by: str
    late: Annotated[bool, Meta(description="Uploaded after the end of the deadline's day.")]
    file: Annotated[str, Meta(description="Where to download this version.")]


class UnitAnswerOut(Struct, forbid_unknown_fields=True):
    unit: str
    unit_name: str
    status: Annotated[str, Meta(description="on_time, late, missing (not yet due) or overdue.")]
    answered_at: Annotated[str | None, Meta(description="When the first version came; null with none.")]
    file: Annotated[str | None, Meta(description="The latest version's download; null with none.")]
    versions: list[AnswerVersionOut]


class DutyCounts(Struct, forbid_unknown_fields=True):
    on_time: int
    late: int
    missing: int
    overdue: int


class DutyOut(Struct, forbid_unknown_fields=True):
    """A duty of the year's calendar, with the answers of the units the reader may see."""

    id: int
    year: int
    code: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    deadline: Annotated[
        str, Meta(description="The day it is due (YYYY-MM-DD), to its end in the bureau's zone.")
    ]
    due_at: Annotated[str, Meta(description="The instant an answer becomes late.")]
    scope: Annotated[str, Meta(description="all (every assessed unit) or chosen.")]
    bulletin: Annotated[
        str | None, Meta(description="For the bureau's report: the bulletins it is drafted from.")
    ]
    counts: DutyCounts
    answers: list[UnitAnswerOut]


class AnswerOut(Struct, forbid_unknown_fields=True):
    duty: int
    unit: str
    status: str
    answer: AnswerVersionOut


def file_url(duty_id: int, unit_code: str, version: int | None = None) -> str:
    url = f"/api/v1/duties/{duty_id}/answers/{unit_code}/file"
    return f"{url}?version={version}" if version is not None else url


def version_json(answer: DutyAnswer, unit_code: str, uploaded_by: str) -> dict[str, Any]:
    return {
        "version": answer.version,
        "filename": answer.filename,
        "media_type": answer.media_type,
        "size_bytes": answer.size_bytes,
        "sha256": answer.sha256,
        "uploaded_at": answer.uploaded_at.isoformat(),
        "uploaded_by": uploaded_by,
        "late": answer.late,
        "file": file_url(answer.duty_id, unit_code, answer.version),
    }


def unit_answer_json(view: DutyView, row: UnitAnswer, lang: str) -> dict[str, Any]:
    code = row.unit.code
    return {
        "unit": code,
        "unit_name": row.unit.name(lang),
        "status": row.status,
        "answered_at": row.answered_at.isoformat() if row.answered_at else None,
        "file": file_url(view.duty.id, code) if row.versions else None,
        "versions": [version_json(v, code, view.uploaders.get(v.uploaded_by_id, "")) for v in row.versions],
    }


def duty_json(view: DutyView, lang: str) -> dict[str, Any]:
    duty = view.duty
    return {
        "id": duty.id,
        "year": duty.year,
        "code": duty.code,
        "title_zh": duty.title_zh,
        "title_en": duty.title_en,
        "description_zh": duty.description_zh,
        "description_en": duty.description_en,
        "deadline": duty.due_on.isoformat(),
        "due_at": view.deadline.isoformat(),
        "scope": duty.scope,
        "bulletin": BULLETINS if duty.code == BUREAU_REPORT else None,
        "counts": view.counts,
        "answers": [unit_answer_json(view, row, lang) for row in view.answers],
    }
