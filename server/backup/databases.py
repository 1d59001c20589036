"""What backup, restore and transfer need to know of a database: its kind, file, tables and tools."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from ..models import Base


class OperationError(Exception):
    """A backup, restore or transfer that cannot go on; the message says what to do."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise OperationError(f"{url} names no SQLite file")
    return Path(database)


def libpq_url(url: str) -> str:
    """The address pg_dump, pg_restore and asyncpg take (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def table_names() -> list[str]:
    return [table.name for table in Base.metadata.sorted_tables]


def count_queries() -> dict[str, str]:
    """A row count per table; the names are the models' own, never input."""
    return {name: f'SELECT count(*) FROM "{name}"' for name in table_names()}  # noqa: S608


def sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {name: conn.execute(query).fetchone()[0] for name, query in count_queries().items()}


async def pg_counts(conn: Any) -> dict[str, int]:
    """Counted on an asyncpg connection (in its current transaction, if any)."""
    return {name: await conn.fetchval(query) for name, query in count_queries().items()}


def pg_tool(name: str, server_major: int, bin_dir: str = "") -> str:
    """The pg_dump or pg_restore to use with a server of this major version.

    XUNCHA_PG_BIN names a directory, else the Debian layout's directory for the server's
    version, else the one on PATH. A tool older than the server cannot read its dumps (or
    refuses to dump it): say which client to install instead of failing halfway.
    """
    candidates = [Path(bin_dir) / name] if bin_dir else []
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"))
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file():
            major = tool_major(str(candidate))
            if major < server_major:
                raise OperationError(
                    f"{candidate} is version {major}, older than the PostgreSQL server ({server_major}): "
                    f"install postgresql-client-{server_major} or set XUNCHA_PG_BIN to its bin directory"
                )
            return str(candidate)
    raise OperationError(f"{name} not found: install postgresql-client-{server_major} or set XUNCHA_PG_BIN")


def tool_major(tool: str) -> int:
    # The tool's path comes from the settings or the system, not from a request.
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise OperationError(f"cannot read the version of {tool}: {out.strip()}")
    return int(match.group(1))
