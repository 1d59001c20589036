"""Readiness: the database answers, and it is at the migration revision this code expects.

A load balancer or an operator asks /readyz; /healthz only says the process is up. A server
started before `xuncha db upgrade` ran, or pointed at a restored backup of an older release,
is alive but not ready: it would fail on the first request that touches a new column.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import text

from ..db import MIGRATIONS_DIR, Database

# Longer than this and the database counts as unreachable (a hung connection is no answer).
TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str = ""
    database_revision: list[str] = field(default_factory=list)
    code_revision: list[str] = field(default_factory=list)


@cache
def code_heads() -> tuple[str, ...]:
    """The revisions the migrations in this release end at."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


class ReadinessService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def database_revisions(self) -> list[str] | None:
        """The revisions the database is at; None when it was never migrated."""
        async with self.db.read() as session:
            exists = await session.run_sync(
                lambda sync: sync.get_bind().dialect.has_table(sync.connection(), "alembic_version")
            )
            if not exists:
                return None
            rows = await session.scalars(text("SELECT version_num FROM alembic_version"))
            return sorted(rows)

    async def check(self) -> Readiness:
        heads = list(code_heads())
        try:
            revisions = await asyncio.wait_for(self.database_revisions(), TIMEOUT_SECONDS)
        except TimeoutError:
            return Readiness(False, f"the database did not answer within {TIMEOUT_SECONDS:g} s", [], heads)
        except Exception as exc:  # whatever the driver raises, the answer is "not reachable"
            return Readiness(False, f"the database is not reachable: {type(exc).__name__}", [], heads)
        if revisions is None:
            return Readiness(
                False, "the database has no migrations applied: run 'xuncha db upgrade'", [], heads
            )
        if revisions != heads:
            return Readiness(
                False,
                "the database is not at this release's migration revision: run 'xuncha db upgrade'",
                revisions,
                heads,
            )
        return Readiness(True, "", revisions, heads)
