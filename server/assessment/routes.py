"""The assessment package for create_app: /api/v1/indicators, the democratic evaluation's votes and their services."""

from __future__ import annotations

from typing import Any

from .api import EvaluationApiController, IndicatorApiController
from .evaluations import EvaluationService
from .indicators import IndicatorService

ROUTES = [IndicatorApiController, EvaluationApiController]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    db, settings = services["db"], services["settings"]
    return {
        "indicators": IndicatorService(db, settings.timezone),
        "evaluations": EvaluationService(db, settings),
    }
