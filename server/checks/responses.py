"""What the sync API answers: the response bodies of checks and their photos, as msgspec Structs
(the OpenAPI schema shows them). They refuse unknown fields, so a presenter that adds a key
without its schema fails in the tests instead of sending an undocumented field."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

Timestamp = Annotated[str, Meta(description="RFC 3339, with its UTC offset.")]


class Named(Struct, forbid_unknown_fields=True):
    code: str
    name: str


class Person(Struct, forbid_unknown_fields=True):
    # null for an unannounced check's author, to readers who may not know who made it
    username: str | None
    display_name: str


class LocationOut(Struct, forbid_unknown_fields=True):
    lat: float
    lon: float
    accuracy_m: float | None
    source: str


class ExifPlace(Struct, forbid_unknown_fields=True):
    lat: float
    lon: float
    source: str | None


class PhotoOut(Struct, forbid_unknown_fields=True):
    """A photo, wherever it appears; the bytes' facts and URLs are null until it is received."""

    uuid: str
    received: bool
    # missing | processing (the original is stored; the display copy and thumbnail are being
    # made, and their URLs answer 409 photo_processing) | ready | undecodable
    status: Literal["missing", "processing", "ready", "undecodable"]
    url: str | None
    thumb_url: str | None
    sha256: str | None
    size_bytes: int | None
    width: int | None
    height: int | None
    taken_at: Timestamp | None
    exif_location: ExifPlace | None
    distance_m: float | None
    flags: list[str]


class CheckPhotoOut(PhotoOut, forbid_unknown_fields=True):
    item: str | None
    far_from_check: bool


class CheckPhotoReceipt(PhotoOut, forbid_unknown_fields=True):
    """PUT /api/v1/checks/{uuid}/photos/{photo_uuid}: 201 when stored, 200 for the same bytes again."""

    check_status: str


class FindingBrief(Struct, forbid_unknown_fields=True):
    id: int
    item: str | None
    severity: str
    status: str


class CheckReceipt(Struct, forbid_unknown_fields=True):
    """PUT /api/v1/checks/{uuid}: 201 when stored, 200 when the same body came again."""

    uuid: str
    status: str
    missing_photos: list[str]
    findings: list[FindingBrief]
    received_at: Timestamp


class AnswerOut(Struct, forbid_unknown_fields=True):
    item: str
    text: str
    result: str
    severity: str | None
    note: str


class CheckOut(Struct, forbid_unknown_fields=True):
    uuid: str
    campaign: str
    campaign_name: str
    kind: str
    status: str
    recorded_at: Annotated[str, Meta(description="In the phone's own offset, as it was sent.")]
    received_at: Timestamp
    author: Person
    location: LocationOut
    site: Named | None
    target_unit: Named | None
    note: str
    covert: bool
    disclosed_at: Timestamp | None


class CheckSummary(CheckOut, forbid_unknown_fields=True):
    finding_count: int


class CheckDetail(CheckOut, forbid_unknown_fields=True):
    """GET /api/v1/checks/{uuid}: the check as stored, with its answers, photos and findings."""

    answers: list[AnswerOut]
    photos: list[CheckPhotoOut]
    missing_photos: list[str]
    findings: list[FindingBrief]


class CheckPage(Struct, forbid_unknown_fields=True):
    """GET /api/v1/checks: newest first; `next` is the following page's URL, or null."""

    items: list[CheckSummary]
    next: str | None
