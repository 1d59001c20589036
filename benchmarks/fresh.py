"""The database a benchmark runs against: a fresh migrated SQLite file with the demo data in a
temporary folder, or the database at a given URL (migrated, holding the demo data)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.db import upgrade
from server.demo.loader import load_demo
from server.settings import Settings


async def bench_settings(folder: str, database_url: str | None) -> Settings:
    url = database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
    settings = Settings(
        data_dir=Path(folder), database_url=url, secret_key="bench", demo_password="bench-password"
    ).resolved()
    if database_url is None:
        await asyncio.to_thread(upgrade, url)
        await load_demo(settings)
    return settings
