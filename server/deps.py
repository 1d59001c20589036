"""Names of the app's injected services, marked for Litestar's name-based injection."""

from __future__ import annotations

from litestar.di import NamedDependency

from .accounts.service import AccountService
from .assessment.consequences import ConsequenceService
from .assessment.evaluations import EvaluationService
from .assessment.indicators import IndicatorService
from .assessment.notices import UnitNoticeService
from .assessment.records import RecordService
from .assessment.responsibility import ResponsibilityService
from .assessment.scores import ScoreService
from .bulletins.service import BulletinService
from .campaigns.service import CampaignService
from .checks.service import CheckService
from .complaints.indicators import ComplaintIndicatorService
from .complaints.ratings import RatingService
from .complaints.rounds import RoundService
from .complaints.service import ComplaintService
from .desk.notifications import NotificationService
from .desk.service import DeskService
from .duties.answers import AnswerService
from .duties.service import DutyService
from .findings.rectifications import RectificationService
from .findings.service import FindingService
from .findings.workflow import Workflow
from .health.service import ReadinessService
from .office.service import OfficeService
from .photos.service import PhotoService
from .settings import Settings
from .unit.service import UnitService

SettingsDep = NamedDependency[Settings]
ReadinessDep = NamedDependency[ReadinessService]
AccountsDep = NamedDependency[AccountService]
CampaignsDep = NamedDependency[CampaignService]
ChecksDep = NamedDependency[CheckService]
PhotosDep = NamedDependency[PhotoService]
FindingsDep = NamedDependency[FindingService]
WorkflowDep = NamedDependency[Workflow]
RectificationsDep = NamedDependency[RectificationService]
IndicatorsDep = NamedDependency[IndicatorService]
EvaluationsDep = NamedDependency[EvaluationService]
ScoresDep = NamedDependency[ScoreService]
BulletinsDep = NamedDependency[BulletinService]
UnitNoticesDep = NamedDependency[UnitNoticeService]
ConsequencesDep = NamedDependency[ConsequenceService]
RecordsDep = NamedDependency[RecordService]
ResponsibilityDep = NamedDependency[ResponsibilityService]
DeskDep = NamedDependency[DeskService]
NotificationsDep = NamedDependency[NotificationService]
OfficeDep = NamedDependency[OfficeService]
UnitDep = NamedDependency[UnitService]
ComplaintsDep = NamedDependency[ComplaintService]
ComplaintIndicatorsDep = NamedDependency[ComplaintIndicatorService]
RatingsDep = NamedDependency[RatingService]
RoundsDep = NamedDependency[RoundService]
DutiesDep = NamedDependency[DutyService]
DutyAnswersDep = NamedDependency[AnswerService]
