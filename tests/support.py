"""Shared helpers for tests that are not fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio.to_thread

from conftest import check_body, new_uuid, token_for
from server.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]

# The real phone photos and Open311 schemas the tests and benchmarks read, kept in the
# repository with their sources (tests/fixtures/*/SOURCES.md) so a clone tests itself.
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"
PHOTOS_DIR = FIXTURES_DIR / "photos"


def fixture_photo(name: str) -> bytes:
    path = PHOTOS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"fixture photo {name} not found under {PHOTOS_DIR}")
    return path.read_bytes()


def photo_fixture_names() -> list[str]:
    """Every file in the photos folder, the malformed ones and the notes included; empty if it is missing."""
    return sorted(p.name for p in PHOTOS_DIR.iterdir() if p.is_file()) if PHOTOS_DIR.is_dir() else []


# What a request could leave behind: rows in these tables and files in the photo store.
STORED_TABLES = ("checks", "answers", "findings", "photos", "audit_entries")


async def row_counts(settings: Settings) -> dict[str, int]:
    """Rows per table, and how many photos have been received, straight from the database."""
    from sqlalchemy import text

    from server.db import Database

    db = Database(settings)
    try:
        async with db.read() as session:
            counts = {
                table: int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                for table in STORED_TABLES
            }
            counts["photos received"] = int(
                await session.scalar(text("SELECT count(*) FROM photos WHERE received_at IS NOT NULL")) or 0
            )
            return counts
    finally:
        await db.dispose()


async def in_app(client: Any, func: Any, *args: Any) -> Any:
    """Await a service call in the app's own event loop: the test client serves the app from
    another thread, and the app's database pool and locks belong to that loop."""
    return await anyio.to_thread.run_sync(lambda: client.blocking_portal.call(func, *args))


async def derive_photos(client: Any) -> int:
    """Make the copies of every queued photo, as the server's background workers do."""
    return int(await in_app(client, client.app.state.photos.deriver.drain))


def stored_files(settings: Settings) -> list[str]:
    """Every file under the photo store, temporary ones included."""
    root = settings.photo_dir
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def sent_photo(client: Any, data: bytes, media_type: str = "image/jpeg") -> tuple[str, str, Any]:
    """A check declaring one photo, and the answer to sending the photo's bytes."""
    if not hasattr(client, "officer"):
        client.officer = await token_for(client, "officer")
        client.office = await token_for(client, "office")
    officer = client.officer
    photo, check = new_uuid(), new_uuid()
    body = check_body(photos=[{"uuid": photo, "item": None}])
    assert (await client.put(f"/api/v1/checks/{check}", json=body, headers=officer)).status_code == 201
    answer = await client.put(
        f"/api/v1/checks/{check}/photos/{photo}", content=data, headers=officer | {"Content-Type": media_type}
    )
    return check, photo, answer
