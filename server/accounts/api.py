"""Who the caller is: their role, unit, the campaigns they may record and the kinds of check."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get

from ..deps import CampaignsDep
from ..i18n import lang
from ..models import KINDS_BY_ROLE, Role, User
from .controller import user_json
from .guards import logged_in


class MeController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["reference"]

    @get("/me")
    async def me(self, request: Request[User, Any, Any], campaigns: CampaignsDep) -> dict[str, Any]:
        user = request.user
        recordable = await campaigns.recordable_for(user)
        return {
            "user": user_json(user, lang()),
            "role": user.role,
            "unit": {"code": user.unit.code, "name": user.unit.name(lang())},
            "campaigns": [c.code for c in recordable],
            "kinds": sorted(k.value for k in KINDS_BY_ROLE.get(Role(user.role), ())),
            "csrf_token": request.scope.get("state", {}).get("csrf_token"),
        }
