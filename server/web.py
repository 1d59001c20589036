"""Rendering pages: the Jinja environment, its helpers, the context every page gets, and what a
posted form does."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from litestar import Request
from litestar.enums import MediaType
from litestar.response import Redirect, Template

from . import i18n
from .errors import AppError
from .forms import field_errors
from .labels import label
from .models import User
from .security import JS_CLASS_SCRIPT

# The request of a page or API call behind a login: `request.user` is the account.
UserRequest = Request[User, Any, Any]

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "web"
STATIC_DIR = ROOT / "static"


@cache
def asset_version(path: str) -> str:
    try:
        return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def asset(path: str) -> str:
    """A static URL that changes when the file does, so caches never serve a stale copy."""
    return f"/static/{path}?v={asset_version(path)}"


def configure_environment(env: Environment, timezone: str, *, reload: bool = False) -> None:
    zone = ZoneInfo(timezone)
    # Compiled templates are kept; only in debug mode are their files checked for changes on every
    # use (a page includes a partial once per row it lists: a stat of the file each time).
    env.auto_reload = reload
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True

    def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if value is None:
            return ""
        return value.astimezone(zone).strftime(fmt)

    def iso(value: datetime | None) -> str:
        return value.isoformat() if value else ""

    @pass_context
    def check_author(context: Any, check: Any) -> str:
        # The person behind an unannounced check, or only its source, depending on the reader.
        from .checks.presenters import author_name

        return author_name(check, context.get("user"), i18n.lang())

    env.filters.update(local=local, iso=iso, metres=i18n.format_distance)
    env.globals.update(
        {
            name: getattr(i18n, name)
            for name in ("lang", "html_lang", "current_locale", "LOCALES", "locale_name")
        },
        check_author=check_author,
        js_class_script=JS_CLASS_SCRIPT,
        asset=asset,
        label=label,
    )


def page_context(request: Request[Any, Any, Any], **extra: Any) -> dict[str, Any]:
    state = request.scope.get("state", {})
    context: dict[str, Any] = {
        "user": request.scope.get("user"),
        "csrf_token": state.get("csrf_token", ""),
        "is_htmx": request.headers.get("hx-request") == "true",
    }
    context.update(extra)
    return context


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **extra: Any) -> Template:
    # Always HTML: a handler that may answer with a page or a redirect (`-> Any`) would otherwise
    # send a page re-rendered with its errors as JSON, which a browser shows as source text.
    return Template(
        template, context=page_context(request, **extra), status_code=status_code, media_type=MediaType.HTML
    )


def form_page(
    request: Request[Any, Any, Any], template: str, error: AppError | None, **extra: Any
) -> Template:
    """A page with forms, shown again after a refusal with the refusal's status, its message
    (`error`) and the first message of each field (`field_errors`); 200 without one."""
    return page(
        request,
        template,
        status_code=error.status_code if error else 200,
        error=error,
        field_errors=field_errors(error),
        **extra,
    )


T = TypeVar("T")


async def form_step(
    act: Awaitable[T], done: str | Callable[[T], str], refused: Callable[[AppError], Awaitable[Any]]
) -> Any:
    """What a posted form does: `act`, then a 303 to the page `done` names (a string, or made of what
    `act` returned); a refusal answers `refused(error)`, which shows the form again with it."""
    try:
        result = await act
    except AppError as exc:
        return await refused(exc)
    return Redirect(done if isinstance(done, str) else done(result), status_code=303)
