"""The administration package for create_app: the office's set-up of the bureau, leaders' contact points and topics."""

from __future__ import annotations

from typing import Any

from .account import PasswordController
from .api import AdminApiController, TopicApiController
from .leader import LeaderPages
from .pages import AdminPages
from .service import AdminService
from .supervision import TopicService

ROUTES = [AdminApiController, TopicApiController, PasswordController, AdminPages, LeaderPages]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {
        "admin": AdminService(services["db"], services["accounts"], services["campaigns"]),
        "topics": TopicService(services["db"], services["indicators"]),
    }
