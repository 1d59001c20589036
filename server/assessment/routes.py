"""The assessment package for create_app: /api/v1/indicators, the democratic evaluation's votes,
/api/v1/scores, the ranking and report pages with their drill-down, /api/v1/responsibility, what
follows from a rating (/api/v1/assessment, /assessment) and their services."""

from __future__ import annotations

from typing import Any

from ..documents.uploads import DocumentStore
from .api import AssessmentApiController, IndicatorApiController
from .consequence_rules import Rules
from .consequences import ConsequenceService
from .consequences_api import ConsequenceApiController
from .consequences_pages import ConsequencePages
from .evaluations import EvaluationService
from .indicators import IndicatorService
from .notices import UnitNoticeService
from .pages import ScorePages
from .records import RecordService
from .responsibility import ResponsibilityService
from .scores import ScoreService

ROUTES = [
    IndicatorApiController,
    AssessmentApiController,
    ConsequenceApiController,
    ConsequencePages,
    ScorePages,
]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    db, settings = services["db"], services["settings"]
    evaluations = EvaluationService(db, settings)
    scores = ScoreService(db, settings, evaluations)
    rules = Rules(scores)
    unit_notices = UnitNoticeService(db, rules, DocumentStore(settings.document_dir))
    return {
        "indicators": IndicatorService(db, settings.timezone),
        "evaluations": evaluations,
        "scores": scores,
        "unit_notices": unit_notices,
        "consequences": ConsequenceService(db, rules, unit_notices),
        "records": RecordService(db, scores),
        "responsibility": ResponsibilityService(db, scores),
    }
