"""The complaints package for create_app: complaints, their ratings and the supervisors' rounds."""

from __future__ import annotations

from typing import Any

from .api import ComplaintApiController
from .indicators import ComplaintIndicatorService
from .pages import ComplaintPages, RatingPages
from .ratings import RatingService
from .rounds import RoundService
from .rounds_web import RoundApiController, RoundPages
from .service import ComplaintService

ROUTES = [ComplaintApiController, ComplaintPages, RatingPages, RoundApiController, RoundPages]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    db, settings = services["db"], services["settings"]
    ratings = RatingService(db, settings, services["counters"])
    return {
        "complaints": ComplaintService(db, settings, services["campaigns"], ratings),
        "complaint_indicators": ComplaintIndicatorService(db, settings.timezone),
        "ratings": ratings,
        "rounds": RoundService(db, services["campaigns"]),
    }
