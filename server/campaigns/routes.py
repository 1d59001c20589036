"""The campaigns package for create_app: /api/v1/campaigns and /api/v1/sites, and the reference service."""

from __future__ import annotations

from typing import Any

from .api import CampaignApiController
from .service import CampaignService

ROUTES = [CampaignApiController]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {"campaigns": CampaignService(services["db"])}
