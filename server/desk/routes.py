"""The desk package for create_app: the lead's desk, its feed, map and notifications."""

from __future__ import annotations

from typing import Any

from .notifications import NotificationService
from .pages import DeskPages
from .service import DeskService

ROUTES = [DeskPages]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {"desk": DeskService(services["db"]), "notifications": NotificationService(services["db"])}
