"""The accounts package for create_app: login, tokens and /api/v1/me, and the account services."""

from __future__ import annotations

from typing import Any

from .api import MeController
from .controller import AccountController
from .passwords import Passwords
from .service import AccountService

ROUTES = [AccountController, MeController]


def providers(services: dict[str, Any]) -> dict[str, Any]:
    passwords = Passwords(services["settings"])
    return {
        "passwords": passwords,
        "accounts": AccountService(services["db"], services["settings"], passwords, services["counters"]),
    }
