"""The findings package for create_app: a finding's pages, the Findings API, and the workflow services."""

from __future__ import annotations

from typing import Any

from .api import FindingApiController
from .pages import FindingPages
from .rectifications import RectificationService
from .service import FindingService
from .workflow import Workflow

ROUTES = [FindingPages, FindingApiController]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    db, settings = services["db"], services["settings"]
    workflow = Workflow(db, settings)
    return {
        "findings": FindingService(db, settings),
        "workflow": workflow,
        "rectifications": RectificationService(db, settings, services["photos"], workflow),
    }
