"""The unit package for create_app: the responsible unit's pages and /api/v1/unit/findings."""

from __future__ import annotations

from typing import Any

from .pages import UnitPages
from .service import UnitService

ROUTES = [UnitPages]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {"unit_work": UnitService(services["db"])}
