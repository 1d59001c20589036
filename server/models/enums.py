"""The closed vocabularies of the domain. Codes are stable; labels live in the catalogues."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    officer = "officer"
    lead = "lead"
    supervisor = "supervisor"
    handler = "handler"
    office = "office"


class UnitKind(StrEnum):
    bureau = "bureau"
    office = "office"
    district = "district"
    department = "department"
    third_party = "third_party"
    # The bureau's supervision office (履职督查办): it supervises, it does not rectify.
    supervision = "supervision"


# The kinds of unit a finding can be assigned to for rectification: not the bureau itself,
# the supervision office, or a third-party evaluator.
RECTIFYING_UNIT_KINDS = frozenset({UnitKind.district, UnitKind.office, UnitKind.department})


class CheckKind(StrEnum):
    patrol = "patrol"
    unannounced = "unannounced"
    open = "open"
    recheck = "recheck"


class Result(StrEnum):
    passed = "pass"
    failed = "fail"
    na = "na"


class Severity(StrEnum):
    minor = "minor"
    major = "major"
    critical = "critical"


class LocationSource(StrEnum):
    gps = "gps"
    exif = "exif"
    manual = "manual"


class CheckStatus(StrEnum):
    awaiting_photos = "awaiting_photos"
    complete = "complete"


class FindingStatus(StrEnum):
    new = "new"
    assigned = "assigned"
    submitted = "submitted"
    rework = "rework"
    closed = "closed"
    merged = "merged"


class ComplaintSource(StrEnum):
    hotline_12319 = "hotline_12319"
    web = "web"
    letter = "letter"
    visit = "visit"
    media = "media"
    referral = "referral"


class ComplaintStatus(StrEnum):
    received = "received"
    assigned = "assigned"
    investigated = "investigated"
    visited = "visited"
    closed = "closed"


class VisitOutcome(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


# Which kinds of check each role may record. Covert (unannounced) checks belong to the
# third-party supervisors and the office that organises them.
KINDS_BY_ROLE: dict[Role, frozenset[CheckKind]] = {
    Role.officer: frozenset({CheckKind.patrol, CheckKind.recheck}),
    Role.supervisor: frozenset({CheckKind.unannounced, CheckKind.open}),
    Role.lead: frozenset({CheckKind.patrol, CheckKind.open}),
    Role.office: frozenset({CheckKind.open, CheckKind.unannounced}),
    Role.handler: frozenset(),
}


def values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]
