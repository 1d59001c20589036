"""Entry point for ASGI servers: `uvicorn --factory server.asgi:create`."""

from __future__ import annotations

import logging

from litestar import Litestar

from .app import create_app
from .settings import Settings


def create() -> Litestar:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app(Settings.from_env())
