"""The duties package for create_app: the year's calendar of dated duties, /duties and /api/v1/duties."""

from __future__ import annotations

from typing import Any

from .answers import AnswerService
from .api import DutyApiController
from .pages import DutyPages
from .service import DutyService

ROUTES = [DutyApiController, DutyPages]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    db, settings = services["db"], services["settings"]
    duties = DutyService(db, settings, services["scores"])
    return {"duties": duties, "duty_answers": AnswerService(db, settings, duties)}
