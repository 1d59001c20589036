"""The bulletins package for create_app: /api/v1/bulletins, the /bulletins pages and their service."""

from __future__ import annotations

from typing import Any

from .api import BulletinApiController
from .pages import BulletinPages
from .service import BulletinService

ROUTES = [BulletinApiController, BulletinPages]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {
        "bulletins": BulletinService(
            services["db"],
            services["settings"],
            services["scores"],
            services["complaint_indicators"],
            responsibility=services["responsibility"],
            consequences=services["consequences"],
        )
    }
