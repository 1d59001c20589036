"""The checks package for create_app: the officer's pages, /checks and the sync API, and the check service."""

from __future__ import annotations

from typing import Any

from .api import CheckApiController
from .pages import CheckPages, FieldPages
from .service import CheckService

ROUTES = [CheckApiController, FieldPages, CheckPages]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {
        "checks": CheckService(
            services["db"], services["settings"], services["campaigns"], services["photos"]
        )
    }
