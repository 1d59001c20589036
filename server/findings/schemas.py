"""The findings API's bodies as msgspec Structs (docs/findings-api.md): the workflow's requests,
a rectification going in, and a finding, its history and the receipts coming out.

As for checks (server/checks/schemas.py), msgspec checks the shapes and the messages are the
API's own; the workflow checks what depends on the clock and the database (a deadline in the
future, a reason for rework, a unit that exists, a finding one may merge into).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from ..api import MAX_ROW_ID, Message, text_message, time_message
from ..checks.responses import LocationOut, Named, PhotoOut, Timestamp
from ..checks.schemas import AwareTime, Code, LocationBody, PhotoBody, placed_photo_messages
from ..i18n import gettext as _
from .inputs import REASON_MAX

NOTE_MAX = 2000

# --- what comes in ------------------------------------------------------------------------------

Reason = Annotated[str, Meta(max_length=REASON_MAX, description="Why; required to send a finding back.")]


class AssignBody(Struct):
    """POST /api/v1/findings/{id}/assign."""

    unit: Code
    # Without one, the campaign's rule for the finding's severity sets it (deadline_rule).
    deadline: AwareTime | None = None
    reason: Reason | None = None


class VerifyBody(Struct):
    """POST /api/v1/findings/{id}/verify: close it, or send it back with a reason and a new deadline."""

    outcome: Literal["close", "rework"]
    reason: Reason | None = None
    deadline: AwareTime | None = None


class MergeBody(Struct):
    """POST /api/v1/findings/{id}/merge: the finding this one duplicates."""

    into: Annotated[int, Meta(ge=1, le=MAX_ROW_ID)]


class RectificationBody(Struct, forbid_unknown_fields=True):
    """PUT /api/v1/findings/{id}/rectifications/{uuid}: the unit's report with its after-photos."""

    recorded_at: AwareTime
    location: LocationBody
    photos: Annotated[list[PhotoBody], Meta(min_length=1)]
    note: Annotated[str, Meta(max_length=NOTE_MAX)] | None = None


def _deadline_message(detail: str, value: object) -> str:
    if "timezone" in detail:
        return _("Add an offset such as +08:00.")
    return _("For example 2026-12-05T18:00:00+08:00.")


def workflow_messages() -> Mapping[str, Message]:
    return {
        "unit": _("Give a code."),
        "deadline": _deadline_message,
        "reason": text_message(REASON_MAX),
        "outcome": _("Use close or rework."),
        "into": _("Give the other finding's number."),
    }


def _after_photos_message(_detail: str, value: object) -> str:
    if isinstance(value, list) or value is None:
        return _("A rectification needs at least one after-photo.")
    return _("Photos must be a list.")


def rectification_messages() -> Mapping[str, Message]:
    return {
        **placed_photo_messages(),
        "location": _(
            "An after-photo needs the position where it was taken: allow location access, "
            "or enter it by hand."
        ),
        "photos": _after_photos_message,
        "recorded_at": time_message,
        "note": text_message(NOTE_MAX),
    }


# --- what goes out ------------------------------------------------------------------------------


class Out(Struct, forbid_unknown_fields=True):
    """What the findings API answers: a key a presenter adds without its schema fails the tests
    instead of going out undocumented."""


class Place(Out):
    lat: float
    lon: float


class FindingOut(Out):
    """A finding, as listed and as the workflow's requests answer it (200)."""

    id: int
    campaign: str
    item: str
    item_text: str
    severity: str
    status: str
    location: Place
    site: Named | None
    found_at: Timestamp
    created_at: Timestamp
    unit: Named | None
    assigned_at: Timestamp | None
    deadline: Timestamp | None
    submitted_at: Timestamp | None
    closed_at: Timestamp | None
    rework_count: int
    notice_number: str | None
    overdue: bool
    due_soon: bool
    duplicate_of: int | None
    covert: bool


class FindingPage(Out):
    """GET /api/v1/findings: newest first; `next` is the following page's URL, or null."""

    items: list[FindingOut]
    next: str | None


class EventOut(Out):
    at: Timestamp
    action: str
    by: str | None
    from_: str | None = msgspec.field(name="from")
    to: str | None
    unit: str | None
    deadline: Timestamp | None
    reason: str | None
    related_finding: int | None


class RectificationOut(Out):
    uuid: str
    unit: str
    by: str
    note: str
    recorded_at: Timestamp
    location: LocationOut
    status: str
    photos: list[PhotoOut]


class DuplicateCandidate(Out):
    id: int
    distance_m: float
    status: str


class FindingDetail(FindingOut):
    """GET /api/v1/findings/{id}: with its check's photos, history, rectifications and flags."""

    check: str
    photos: list[PhotoOut]
    history: list[EventOut]
    rectifications: list[RectificationOut]
    flags: list[str]
    merged: list[int]
    duplicate_candidates: list[DuplicateCandidate]
    deadline_rule: Annotated[
        dict[str, int], Meta(description="Days to rectify per severity, when a deadline is not given.")
    ]


class Disclosure(Out):
    """POST /api/v1/checks/{uuid}/disclose."""

    uuid: str
    disclosed_findings: int


class RectificationReceipt(Out):
    """PUT /api/v1/findings/{id}/rectifications/{uuid}: 201 when stored, 200 for the same body again."""

    uuid: str
    finding: int
    status: str
    missing_photos: list[str]
    finding_status: str
    received_at: Timestamp


class RectificationPhotoReceipt(PhotoOut, forbid_unknown_fields=True):
    """PUT /api/v1/rectifications/{uuid}/photos/{photo_uuid}: 201 when stored, 200 for the same bytes."""

    rectification_status: str
    finding_status: str


class UnitFinding(FindingOut):
    page: Annotated[str, Meta(description="The finding's page, which the phone keeps for use offline.")]


class UnitFindingWaiting(UnitFinding):
    rework_reason: str | None
    photos: list[PhotoOut]


class UnitWork(Out):
    """GET /api/v1/unit/findings: a handler's work list, nearest deadline first, and what is done."""

    unit: Named
    waiting: list[UnitFindingWaiting]
    done: list[UnitFinding]
