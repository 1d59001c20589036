"""The assessment package for create_app: /api/v1/indicators and the indicator service."""

from __future__ import annotations

from typing import Any

from .api import IndicatorApiController
from .indicators import IndicatorService

ROUTES = [IndicatorApiController]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {"indicators": IndicatorService(services["db"], services["settings"].timezone)}
