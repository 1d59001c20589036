"""The bare stack a check PUT stands on: Litestar and aiosqlite writing one row per PUT.

No accounts, no validation beyond reading the JSON, no audit, no findings: what is left when
everything Xuncha adds is taken away. The database file is named by BARE_DB; SQLite in WAL
mode with synchronous=NORMAL. Xuncha syncs every commit (FULL); the bare app keeps the faster
setting, which spares it a sync for every PUT, so the ratio is never flattered by the bare app's
own fsyncs. benchmarks/ingest_ratio.py serves it.
"""

from __future__ import annotations

import json
import os
from typing import Any

import aiosqlite
from litestar import Litestar, Request, get, put

DB_PATH = os.environ.get("BARE_DB", "bare.db")
state: dict[str, Any] = {}


async def connect() -> None:
    db = await aiosqlite.connect(DB_PATH)
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA synchronous=NORMAL")
    await db.execute("CREATE TABLE IF NOT EXISTS checks (uuid TEXT PRIMARY KEY, body TEXT NOT NULL)")
    await db.commit()
    state["db"] = db


async def disconnect() -> None:
    await state["db"].close()


@put("/api/v1/checks/{check_uuid:str}", status_code=201)
async def put_check(request: Request[Any, Any, Any], check_uuid: str) -> dict[str, str]:
    body = await request.json()
    db = state["db"]
    await db.execute("INSERT INTO checks (uuid, body) VALUES (?, ?)", (check_uuid, json.dumps(body)))
    await db.commit()
    return {"uuid": check_uuid, "status": "complete"}


@get("/healthz")
async def healthz() -> dict[str, str]:
    return {"ok": "yes"}


app = Litestar([put_check, healthz], on_startup=[connect], on_shutdown=[disconnect])
