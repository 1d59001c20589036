"""ORM models; importing this package registers every table on Base.metadata."""

from .audit import AuditEntry, AuditHead
from .base import Base, UTCDateTime, utcnow
from .campaigns import Campaign, ChecklistItem, Site
from .checks import Answer, Check, Photo
from .counts import FindingCount
from .enums import (
    KINDS_BY_ROLE,
    CheckKind,
    CheckStatus,
    FindingStatus,
    LocationSource,
    Result,
    Role,
    Severity,
    UnitKind,
)
from .findings import Finding, FindingEvent, NoticeCounter, Notification, Rectification
from .org import AuthToken, Unit, User

__all__ = [
    "KINDS_BY_ROLE",
    "Answer",
    "AuditEntry",
    "AuditHead",
    "AuthToken",
    "Base",
    "Campaign",
    "Check",
    "CheckKind",
    "CheckStatus",
    "ChecklistItem",
    "Finding",
    "FindingCount",
    "FindingEvent",
    "NoticeCounter",
    "Notification",
    "Rectification",
    "FindingStatus",
    "LocationSource",
    "Photo",
    "Result",
    "Role",
    "Severity",
    "Site",
    "UTCDateTime",
    "Unit",
    "UnitKind",
    "User",
    "utcnow",
]
