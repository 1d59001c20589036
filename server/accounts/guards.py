"""Guards: every route says who may call it.

Async on purpose: Litestar runs a sync guard in a worker thread, a hop per request.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from ..i18n import gettext as _
from ..models import Role


async def logged_in(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise NotAuthorizedException()


def roles(*allowed: Role) -> Guard:
    names = frozenset(role.value for role in allowed)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if user is None:
            raise NotAuthorizedException()
        if user.role not in names:
            raise PermissionDeniedException(_("Your role may not do this."))

    return guard
