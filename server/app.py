"""create_app(settings) -> Litestar: plugins, templates, static files, routes."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, MediaType, Request, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from .accounts.controller import AccountController, home_of
from .accounts.guards import csrf_guard
from .accounts.middleware import AuthMiddleware
from .accounts.passwords import Passwords
from .accounts.service import AccountService
from .campaigns.service import CampaignService
from .checks.api import CheckApiController, PhotoApiController, ReferenceController
from .checks.pages import CheckPages, FieldPages
from .checks.service import CheckService
from .complaints.api import ComplaintApiController
from .complaints.indicators import ComplaintIndicatorService
from .complaints.pages import ComplaintPages, RatingPages
from .complaints.ratings import RatingService
from .complaints.rounds import RoundService
from .complaints.rounds_web import RoundApiController, RoundPages
from .complaints.service import ComplaintService
from .db import Database
from .errors import EXCEPTION_HANDLERS
from .findings.api import FindingApiController
from .findings.deadlines import DeadlineSweeper
from .findings.indicators import IndicatorService
from .findings.pages import RolePages
from .findings.rectifications import RectificationService
from .findings.service import FindingService
from .findings.unit_pages import UnitPages
from .findings.workflow import Workflow
from .photos.service import PhotoService
from .photos.store import PhotoStore
from .pwa import PwaController
from .settings import Settings
from .web import STATIC_DIR, TEMPLATE_DIR, configure_environment


@get("/healthz", media_type=MediaType.TEXT, include_in_schema=False, cache_control=None)
async def healthz() -> str:
    return "ok"


@get("/", include_in_schema=False)
async def root(request: Request[Any, Any, Any]) -> Redirect:
    user = request.scope.get("user")
    return Redirect(home_of(user) if user else "/login", status_code=303)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> Litestar:
    settings = (settings or Settings.from_env()).resolved()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = database or Database(settings)
    passwords = Passwords(settings)
    accounts = AccountService(db, settings, passwords)
    campaigns = CampaignService(db)
    checks = CheckService(db, settings, campaigns)
    photos = PhotoService(db, settings, PhotoStore(settings.photo_dir))
    findings = FindingService(db, settings)
    workflow = Workflow(db, settings)
    rectifications = RectificationService(db, settings, photos)
    indicators = IndicatorService(db, settings.timezone)

    state = State(
        {
            "settings": settings,
            "db": db,
            "passwords": passwords,
            "accounts": accounts,
            "campaigns": campaigns,
            "checks": checks,
            "photos": photos,
            "findings": findings,
            "workflow": workflow,
            "rectifications": rectifications,
            "indicators": indicators,
            "complaints": ComplaintService(db, settings, campaigns),
            "complaint_indicators": ComplaintIndicatorService(db, settings.timezone),
            "ratings": RatingService(db, settings),
            "rounds": RoundService(db, campaigns),
        }
    )

    def _from_state(name: str) -> Provide:
        def provide(state: State) -> Any:
            return state[name]

        return Provide(provide, sync_to_thread=False)

    template_config = TemplateConfig(
        directory=TEMPLATE_DIR,
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: configure_environment(engine.engine, settings.timezone),
    )

    sweeper = DeadlineSweeper(workflow, settings.deadline_sweep_seconds)

    async def on_startup(app: Litestar) -> None:
        if settings.deadline_sweep_seconds > 0:
            sweeper.start()

    async def on_shutdown(app: Litestar) -> None:
        await sweeper.stop()
        await app.state.checks.writer.close()
        await app.state.db.dispose()

    return Litestar(
        route_handlers=[
            healthz,
            AccountController,
            ReferenceController,
            CheckApiController,
            PhotoApiController,
            FieldPages,
            CheckPages,
            RolePages,
            UnitPages,
            FindingApiController,
            ComplaintApiController,
            ComplaintPages,
            RatingPages,
            RoundApiController,
            RoundPages,
            PwaController,
            root,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        state=state,
        # Every service in the state is injectable by its name.
        dependencies={name: _from_state(name) for name in state.dict() if name != "passwords"},
        middleware=[DefineMiddleware(AuthMiddleware)],
        guards=[csrf_guard],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        template_config=template_config,
        compression_config=CompressionConfig(backend="gzip", minimum_size=512, gzip_compress_level=6),
        openapi_config=OpenAPIConfig(
            title="Xuncha", version="1", path="/api/v1/schema", render_plugins=[JsonRenderPlugin()]
        ),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        debug=settings.debug,
        logging_config=None,
    )


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
