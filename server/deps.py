"""Names of the app's injected services, marked for Litestar's name-based injection."""

from __future__ import annotations

from litestar.di import NamedDependency

from .accounts.service import AccountService
from .campaigns.service import CampaignService
from .checks.service import CheckService
from .db import Database
from .findings.indicators import IndicatorService
from .findings.rectifications import RectificationService
from .findings.service import FindingService
from .findings.workflow import Workflow
from .photos.service import PhotoService
from .settings import Settings

DatabaseDep = NamedDependency[Database]
SettingsDep = NamedDependency[Settings]
AccountsDep = NamedDependency[AccountService]
CampaignsDep = NamedDependency[CampaignService]
ChecksDep = NamedDependency[CheckService]
PhotosDep = NamedDependency[PhotoService]
FindingsDep = NamedDependency[FindingService]
WorkflowDep = NamedDependency[Workflow]
RectificationsDep = NamedDependency[RectificationService]
IndicatorsDep = NamedDependency[IndicatorService]
