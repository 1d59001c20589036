"""The assessment package for create_app: /api/v1/indicators, the democratic evaluation's votes, /api/v1/scores and their services."""

from __future__ import annotations

from typing import Any

from .api import EvaluationApiController, IndicatorApiController, ScoreApiController
from .evaluations import EvaluationService
from .indicators import IndicatorService
from .scores import ScoreService

ROUTES = [IndicatorApiController, EvaluationApiController, ScoreApiController]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    db, settings = services["db"], services["settings"]
    evaluations = EvaluationService(db, settings)
    return {
        "indicators": IndicatorService(db, settings.timezone),
        "evaluations": evaluations,
        "scores": ScoreService(db, settings, evaluations),
    }
