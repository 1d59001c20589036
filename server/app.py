"""create_app(settings) -> Litestar: plugins, templates, static files, and each package's routes.

Every package of a capability has a `routes` module with `ROUTES` (its controllers and handlers)
and `providers(services)`, which builds its services from those already built: the database,
the settings and the services of the packages before it in PACKAGES. Every service is then
injectable into a handler by its name (docs/architecture.md).
"""

from __future__ import annotations

import time
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

from .accounts import routes as accounts
from .accounts.controller import home_of
from .accounts.middleware import AuthMiddleware
from .admin import routes as admin
from .admin.account import password_current_guard
from .assessment import routes as assessment
from .bulletins import routes as bulletins
from .campaigns import routes as campaigns
from .checks import routes as checks
from .complaints import routes as complaints
from .counters import make_counters
from .db import Database
from .desk import routes as desk
from .duties import routes as duties
from .errors import EXCEPTION_HANDLERS, refuse_control_characters_in_path
from .findings import routes as findings
from .findings.access import visible_photos
from .findings.deadlines import deadline_sweep
from .health import routes as health
from .office import routes as office
from .photos import routes as photos
from .pwa import PwaController
from .security import security_headers
from .settings import Settings
from .tasks import PeriodicTask, TaskRunner
from .unit import routes as unit
from .web import STATIC_DIR, TEMPLATE_DIR, configure_environment


@get("/healthz", media_type=MediaType.TEXT, include_in_schema=False, cache_control=None)
async def healthz() -> str:
    return "ok"


@get("/", include_in_schema=False)
async def root(request: Request[Any, Any, Any]) -> Redirect:
    user = request.scope.get("user")
    return Redirect(home_of(user) if user else "/login", status_code=303)


# In dependency order: a package's providers may use the services of those before it.
PACKAGES = (
    health,
    accounts,
    campaigns,
    photos,
    checks,
    findings,
    assessment,
    duties,
    unit,
    desk,
    office,
    admin,
    complaints,
    bulletins,
)
# Built for the providers but not injectable into handlers.
NOT_INJECTED = ("db", "counters", "passwords", "photo_visibility", "tasks")


def build_services(settings: Settings, db: Database) -> dict[str, Any]:
    """Every package's services, as the app injects them; the demo history records through the same ones."""
    # The photos package knows no domain: who may see a photo is the checks' and findings' rule.
    services: dict[str, Any] = {
        "settings": settings,
        "db": db,
        "counters": make_counters(settings, db),
        "photo_visibility": visible_photos,
    }
    for package in PACKAGES:
        services.update(package.providers(services))
    return services


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> Litestar:
    settings = (settings or Settings.from_env()).resolved()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = database or Database(settings)
    services = build_services(settings, db)
    state = State(services)

    def _from_state(name: str) -> Provide:
        # No parameters: Litestar then has nothing to resolve or validate for it per request.
        def provide() -> Any:
            return state[name]

        return Provide(provide, sync_to_thread=False)

    template_config = TemplateConfig(
        directory=TEMPLATE_DIR,
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: configure_environment(
            engine.engine, settings.timezone, reload=settings.debug
        ),
    )

    async def purge_counters() -> int:
        # A wait a lapsed window's last failure started still holds for up to the longest lockout.
        return await services["counters"].purge(time.time(), settings.login_lockout_max_seconds)

    # Started by every server process; each task runs in one of them per interval.
    tasks = TaskRunner(
        db,
        [
            deadline_sweep(services["workflow"], settings.deadline_sweep_seconds),
            PeriodicTask(
                "purge-expired-tokens", settings.token_purge_seconds, services["accounts"].purge_expired
            ),
            PeriodicTask("purge-counters", settings.token_purge_seconds, purge_counters),
        ],
    )
    state["tasks"] = tasks

    async def on_startup(app: Litestar) -> None:
        tasks.start()
        services["photos"].deriver.start(settings.photo_workers)

    async def on_shutdown(app: Litestar) -> None:
        await services["photos"].deriver.stop()
        await tasks.stop()
        app.state.passwords.close()
        await app.state.checks.writer.close()
        await services["counters"].close()
        await app.state.db.dispose()

    return Litestar(
        route_handlers=[
            healthz,
            root,
            *(handler for package in PACKAGES for handler in package.ROUTES),
            PwaController,
            create_static_files_router(
                path="/static",
                directories=[STATIC_DIR],
                include_in_schema=False,
                before_request=refuse_control_characters_in_path,
            ),
        ],
        state=state,
        # Every service in the state is injectable by its name.
        dependencies={name: _from_state(name) for name in state.dict() if name not in NOT_INJECTED},
        # Also refuses a failed CSRF check and an account that must change its password first:
        # once per request there, instead of app-wide guards (accounts/middleware.py).
        middleware=[DefineMiddleware(AuthMiddleware, user_guard=password_current_guard)],
        before_send=[security_headers(settings)],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        template_config=template_config,
        multipart_form_part_limit=settings.max_form_parts,
        compression_config=CompressionConfig(backend="gzip", minimum_size=512, gzip_compress_level=6),
        openapi_config=OpenAPIConfig(
            title="Xuncha", version="1", path="/api/v1/schema", render_plugins=[JsonRenderPlugin()]
        ),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        debug=settings.debug,
        logging_config=None,
    )
