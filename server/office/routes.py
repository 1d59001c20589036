"""The office package for create_app: the supervision office's overview page."""

from __future__ import annotations

from typing import Any

from .pages import OverviewPages
from .service import OfficeService

ROUTES = [OverviewPages]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {"office": OfficeService(services["db"])}
