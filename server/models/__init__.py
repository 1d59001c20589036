"""ORM models; importing this package registers every table on Base.metadata."""

from .assessment import Evaluation
from .audit import AuditEntry, AuditHead
from .base import Base, UTCDateTime, utcnow
from .bulletins import BULLETIN_KINDS, BULLETIN_STATUSES, Bulletin
from .campaigns import Campaign, ChecklistItem, ChecklistVersion, ChecklistVersionItem, Site
from .checks import Answer, Check, Photo
from .complaints import Complaint, ComplaintEvent, Rating, Round, RoundSite
from .consequences import EligibilityLoss, Interview, Praise, UnitNotice, UnitNoticeCounter
from .counters import Counter, TransferredRow
from .counts import FindingCount
from .duties import Duty, DutyAnswer, DutyUnit
from .enums import (
    KINDS_BY_ROLE,
    RECTIFYING_UNIT_KINDS,
    CheckKind,
    CheckStatus,
    ComplaintSource,
    ComplaintStatus,
    FindingStatus,
    LocationSource,
    Result,
    Role,
    Severity,
    UnitKind,
    VisitOutcome,
)
from .findings import Finding, FindingEvent, NoticeCounter, Notification, Rectification
from .org import AuthToken, Unit, User
from .photo_jobs import PhotoJob
from .supervision import ContactPoint, Topic
from .tasks import TaskLease

__all__ = [
    "BULLETIN_KINDS",
    "BULLETIN_STATUSES",
    "Bulletin",
    "Evaluation",
    "EligibilityLoss",
    "Interview",
    "Praise",
    "UnitNotice",
    "UnitNoticeCounter",
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
    "Complaint",
    "Counter",
    "ComplaintEvent",
    "ComplaintSource",
    "ComplaintStatus",
    "Rating",
    "Round",
    "RoundSite",
    "VisitOutcome",
    "ChecklistVersion",
    "ChecklistVersionItem",
    "ContactPoint",
    "Duty",
    "DutyAnswer",
    "DutyUnit",
    "Topic",
    "Finding",
    "FindingCount",
    "FindingEvent",
    "NoticeCounter",
    "Notification",
    "Rectification",
    "PhotoJob",
    "FindingStatus",
    "LocationSource",
    "Photo",
    "Result",
    "Role",
    "RECTIFYING_UNIT_KINDS",
    "Severity",
    "Site",
    "TaskLease",
    "TransferredRow",
    "UTCDateTime",
    "Unit",
    "UnitKind",
    "User",
    "utcnow",
]
