"""The photos package for create_app: /api/v1/photos and the photo service.

Photos know no domain: who may see a photo comes in as `photo_visibility`, a query the app
passes in (server/findings/access.py writes it, from the check and finding rules).
"""

from __future__ import annotations

from typing import Any

from .api import PhotoApiController
from .service import PhotoService
from .store import make_store

ROUTES = [PhotoApiController]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    settings = services["settings"]
    store = make_store(settings)
    return {"photos": PhotoService(services["db"], settings, store, services["photo_visibility"])}
