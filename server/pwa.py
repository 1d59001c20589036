"""The installable app: the service worker at the site root, the web app manifest, the offline page.

The service worker is rendered from web/pwa/sw.js with the versioned URLs of the app shell, so
a release that changes any of those files is a service worker that differs byte for byte, and
the browser installs it. Its version also covers the release name (XUNCHA_RELEASE), for a
release that changes only the server.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.response import Template

from .i18n import gettext as _
from .i18n import html_lang
from .web import TEMPLATE_DIR, asset, page

# What a phone needs to open a cached page and record a check or a rectification with no signal.
# Libraries that only the desks use (Leaflet) are cached when first used instead.
APP_SHELL = (
    "css/app.css",
    "js/field-kit.js",
    "js/logout.js",
    "js/field-form.js",
    "js/check-form.js",
    "js/rectify-form.js",
    "js/complaint-answer.js",
    "js/outbox-core.js",
    "js/outbox.js",
    "vendor/idb-8.0.3.umd.js",
    "vendor/exifr-7.1.3.lite.umd.js",
    "vendor/htmx-2.0.11.min.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/maskable-192.png",
    "icons/maskable-512.png",
)
OFFLINE_PAGE = "/offline"
# The pages a phone keeps for use with no signal (paths, as JavaScript regular expressions): an
# officer's home, own checks and the form of each campaign; a handler's list of the unit's
# findings and the page of each open one, with its rectification form. The pages themselves
# name what to keep (static/js/outbox.js asks /api/v1/me or the unit's list).
KEPT_PAGES = (
    r"^/field$",
    r"^/field/checks$",
    r"^/field/[A-Za-z0-9_-]+/new$",
    r"^/unit$",
    r"^/unit/findings/[0-9]+$",
    r"^/complaints$",
    r"^/round$",
    r"^/complaints/[0-9a-f-]{36}$",
)
# Kept pages that come and go with the work: dropped when a warm-up no longer asks for them.
PRUNED_PAGES = (r"^/field/[A-Za-z0-9_-]+/new$", r"^/unit/findings/[0-9]+$", r"^/complaints/[0-9a-f-]{36}$")
# What "/" opens with no signal: the home page this phone keeps.
KEPT_HOMES = ("/field", "/unit")
MANIFEST = "/manifest.webmanifest"
SW_TEMPLATE = "pwa/sw.js"
NO_CACHE = {"Cache-Control": "no-cache"}


def release_name(request: Request[Any, Any, Any]) -> str:
    settings = request.app.state.settings
    return str(settings.extra.get("release") or os.environ.get("XUNCHA_RELEASE", ""))


def precache_urls() -> list[str]:
    return [asset(path) for path in APP_SHELL] + [MANIFEST, OFFLINE_PAGE]


_rendered: dict[tuple[str, str, tuple[str, ...]], tuple[str, str]] = {}


def service_worker(request: Request[Any, Any, Any]) -> tuple[str, str]:
    """The service worker's source and version: the same bytes for every user and language."""
    release = release_name(request)
    source = _template_source()
    urls = precache_urls()
    key = (release, source, tuple(urls))
    if key not in _rendered:
        template = request.app.template_engine.get_template(SW_TEMPLATE)  # type: ignore[union-attr]
        _rendered[key] = _render_service_worker(release, source, urls, template.render)
    return _rendered[key]


@cache
def _template_source() -> str:
    return (TEMPLATE_DIR / SW_TEMPLATE).read_text(encoding="utf-8")


def _render_service_worker(
    release: str, template_source: str, urls: list[str], render: Any
) -> tuple[str, str]:
    basis = json.dumps(
        [release, urls, template_source, KEPT_PAGES, PRUNED_PAGES, KEPT_HOMES], ensure_ascii=False
    )
    version = hashlib.sha256(basis.encode()).hexdigest()[:12]
    body = render(
        version=version,
        release=release,
        precache=urls,
        offline_page=OFFLINE_PAGE,
        kept_pages=list(KEPT_PAGES),
        pruned_pages=list(PRUNED_PAGES),
        homes=list(KEPT_HOMES),
        scripts=[asset("vendor/idb-8.0.3.umd.js"), asset("js/outbox-core.js")],
    )
    return body, version


def _not_modified(request: Request[Any, Any, Any], etag: str) -> bool:
    given = request.headers.get("if-none-match", "")
    return etag in {tag.strip() for tag in given.split(",")}


class PwaController(Controller):
    include_in_schema = False

    @get("/sw.js", media_type="text/javascript; charset=utf-8", cache_control=None)
    async def sw(self, request: Request[Any, Any, Any]) -> Response[str]:
        body, version = service_worker(request)
        etag = f'"sw-{version}"'
        headers = {
            # Checked on every navigation and update: a release reaches phones on their next visit.
            "Cache-Control": "no-cache",
            "Service-Worker-Allowed": "/",
            "ETag": etag,
        }
        if _not_modified(request, etag):
            return Response("", status_code=304, headers=headers)
        return Response(body, headers=headers, media_type="text/javascript; charset=utf-8")

    @get(MANIFEST, cache_control=None)
    async def manifest(self) -> Response[bytes]:
        body = {
            "id": "/",
            "name": _("Xuncha field inspection"),
            "short_name": _("Xuncha"),
            "description": _("Record street checks with photos, with or without a signal."),
            "lang": html_lang(),
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#f6f7f9",
            "theme_color": "#0b5d4b",
            "icons": [
                {
                    "src": asset("icons/icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                    "purpose": "any",
                },
                {
                    "src": asset("icons/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "any",
                },
                {
                    "src": asset("icons/maskable-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                    "purpose": "maskable",
                },
                {
                    "src": asset("icons/maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
        return Response(
            json.dumps(body, ensure_ascii=False).encode(),
            media_type="application/manifest+json",
            headers=NO_CACHE,
        )

    @get(OFFLINE_PAGE, media_type=MediaType.HTML, cache_control=None)
    async def offline(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "offline.html")
