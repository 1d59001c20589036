"""A bulletin's PDF and XLSX, built off the event loop from the stored figures alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import anyio.to_thread

from ..documents.fonts import cjk_font
from ..models import Bulletin
from ..photos.store import PhotoMissing, PhotoStore, derived_key
from ..settings import Settings
from .pdf import render_bulletin_pdf
from .service import stored_figures
from .xlsx import render_bulletin_xlsx


def publisher(figures: dict[str, Any]) -> tuple[str, datetime] | None:
    """Who published the bulletin and when, as frozen in its figures; None for a draft."""
    published = figures.get("published")
    return (published["by"], datetime.fromisoformat(published["at"])) if published else None


def photo_reader(store: PhotoStore) -> Any:
    def read(sha256: str) -> bytes | None:
        try:
            return store.get(derived_key("thumb", sha256))
        except (PhotoMissing, OSError, ValueError):
            return None

    return read


async def bulletin_pdf(store: PhotoStore, settings: Settings, bulletin: Bulletin) -> bytes:
    figures = stored_figures(bulletin)
    published = publisher(figures)
    # Without a font this answers 503 before anything is drawn.
    font = await anyio.to_thread.run_sync(cjk_font, settings.pdf_font)
    return await anyio.to_thread.run_sync(
        lambda: render_bulletin_pdf(
            figures, photo_reader(store), timezone=settings.timezone, published=published, font=font
        )
    )


async def bulletin_xlsx(settings: Settings, bulletin: Bulletin) -> bytes:
    figures = stored_figures(bulletin)
    published = publisher(figures)
    return await anyio.to_thread.run_sync(
        lambda: render_bulletin_xlsx(figures, timezone=settings.timezone, published=published)
    )


def file_name(bulletin: Bulletin, extension: str) -> tuple[str, str]:
    """The Chinese name to save the file as, and its ASCII stand-in."""
    title = stored_figures(bulletin)["title"]
    return f"{title}.{extension}", f"bulletin-{bulletin.id}-{bulletin.period}.{extension}"
