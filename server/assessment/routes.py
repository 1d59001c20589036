"""The assessment package for create_app: /api/v1/indicators, the democratic evaluation's votes,
/api/v1/scores, the ranking and report pages with their drill-down, /api/v1/responsibility and their services."""

from __future__ import annotations

from typing import Any

from .api import EvaluationApiController, IndicatorApiController, ScoreApiController
from .evaluations import EvaluationService
from .indicators import IndicatorService
from .pages import DrillDownApiController, ScorePages
from .records import RecordService
from .responsibility import ResponsibilityService
from .scores import ScoreService

ROUTES = [
    IndicatorApiController,
    EvaluationApiController,
    ScoreApiController,
    DrillDownApiController,
    ScorePages,
]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    db, settings = services["db"], services["settings"]
    evaluations = EvaluationService(db, settings)
    scores = ScoreService(db, settings, evaluations)
    return {
        "indicators": IndicatorService(db, settings.timezone),
        "evaluations": evaluations,
        "scores": scores,
        "records": RecordService(db, scores),
        "responsibility": ResponsibilityService(db, scores),
    }
