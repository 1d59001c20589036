"""Headers every response carries, set once for the whole app (before_send), error pages included.

The pages load scripts and styles only from /static (their data travels in JSON script blocks,
which no policy runs), so the Content-Security-Policy needs no 'unsafe-inline'. Logged-in
responses are not to be kept by browsers or proxies, unless the handler said otherwise (photos,
the service worker, the manifest and static files have rules of their own).
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from litestar.types import Message, Scope

from .settings import Settings

# The one inline script (web/base.html's <head>): it marks the page as scripted before the first
# paint, so the layout that scripts fill in is reserved at once instead of jumping later.
JS_CLASS_SCRIPT = 'document.documentElement.className += " js";'
JS_CLASS_HASH = (
    "'sha256-" + base64.b64encode(hashlib.sha256(JS_CLASS_SCRIPT.encode()).digest()).decode() + "'"
)


def content_security_policy(settings: Settings) -> str:
    images = ["'self'", "data:", "blob:"]
    if settings.tile_url:
        # A Leaflet template like https://{s}.tile.example.org/{z}/{x}/{y}.png: its origin, any subdomain.
        parts = urlsplit(settings.tile_url.replace("{s}", "*"))
        if parts.scheme in ("http", "https") and parts.netloc:
            images.append(f"{parts.scheme}://{parts.netloc}")
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {JS_CLASS_HASH}",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "font-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(settings: Settings):  # type: ignore[no-untyped-def]
    policy = content_security_policy(settings)
    fixed = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in {
            "Content-Security-Policy": policy,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
        }.items()
    ]
    private = (b"cache-control", b"private, no-store")

    async def add_headers(message: Message, scope: Scope) -> None:
        # On the raw header list: every response goes through here, and Litestar's
        # MutableScopeHeaders decodes the whole list again for every header it looks up.
        if message["type"] != "http.response.start":
            return
        headers = message.get("headers")
        if headers is None:
            raise ValueError(f"Invalid message type: {message['type']!r}")
        if not isinstance(headers, list):
            message["headers"] = headers = list(headers)
        present = {name.lower() for name, _value in headers}
        headers.extend(header for header in fixed if header[0] not in present)
        if (
            scope.get("user") is not None
            and b"cache-control" not in present
            and not scope["path"].startswith("/static/")  # the same for everyone, fingerprinted
        ):
            headers.append(private)

    return add_headers
