"""The health package for create_app: GET /readyz (GET /healthz stays in server/app.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import MediaType, Response, get

from ..deps import ReadinessDep
from .service import ReadinessService


@get("/readyz", media_type=MediaType.JSON, include_in_schema=False, cache_control=None)
async def readyz(readiness: ReadinessDep) -> Response[dict[str, Any]]:
    """200 when the database answers and is at this release's migrations; 503 with the reason otherwise."""
    found = await readiness.check()
    return Response(asdict(found), status_code=200 if found.ready else 503)


ROUTES = [readyz]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    return {"readiness": ReadinessService(services["db"])}
