"""The ranking page's figures on `xuncha demo --history` data: the year's scores, the monthly
trend (twelve score computations over all units), the three assessments, a drill-down, and the
whole /scores page as the office loads it.

    .venv/bin/python benchmarks/scores_trend.py [--dir DIR] [--runs 5] [--fresh] [--database FILE]

The first run builds the database in DIR (default: xuncha-scores-history in the system's
temporary folder): migrations, the demo data and its history, recorded through the services.
Later runs reuse it. `--database` measures an existing SQLite file instead (the one
benchmarks/desk_million.py builds, say, for a year of hundreds of thousands of findings).
Times are warm, the median and the worst of the runs, in milliseconds. The trend is measured
both ways: the twelve months scored together (what the page does) and as twelve separate score
computations, with a check that both give the same figures. The year is that of the latest finding.
The routine part's figures, read from the running counts, are checked against a recount of the
findings themselves, for the year and for each month.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from server.app import create_app
from server.assessment.evaluations import EvaluationService
from server.assessment.periods import parse_period
from server.assessment.records import RecordService
from server.assessment.responsibility import ResponsibilityService
from server.assessment.scores import ScoreService
from server.assessment.trend import monthly_trend, months_of
from server.db import Database, upgrade
from server.demo.history import record_history
from server.demo.loader import load_demo
from server.models import Check, Complaint, Finding, User, utcnow
from server.settings import Settings

PASSWORD = "xuncha-demo"


def settings_for(folder: Path, database: Path | None = None) -> Settings:
    return Settings(
        data_dir=folder,
        database_url=f"sqlite+aiosqlite:///{database or folder / 'xuncha.db'}",
        secret_key="benchmark-secret-key",
        demo_password=PASSWORD,
        argon2_time_cost=1,
        argon2_memory_kib=8 * 1024,
    ).resolved()


async def timed(runs: int, call: Any) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def build(folder: Path, fresh: bool) -> None:
    """Migrations (which run their own event loop), the demo data and its history."""
    settings = settings_for(folder)
    if fresh or not (folder / "xuncha.db").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "xuncha.db").unlink(missing_ok=True)
        start = time.perf_counter()
        upgrade(settings.database_url)
        asyncio.run(load_demo(settings))
        print(asyncio.run(record_history(settings)))
        print(f"history built in {time.perf_counter() - start:.0f} s")


async def separately(scores: ScoreService, units: list[Any], year: int) -> dict[str, list[float | None]]:
    trend: dict[str, list[float | None]] = {unit.code: [] for unit in units}
    for period in months_of(year):
        for row in await scores.scores(units, period):
            trend[row["unit"]].append(row["composite"]["value"])
    return trend


async def main(folder: Path, runs: int, database: Path | None) -> None:
    settings = settings_for(folder, database)
    db = Database(settings)
    try:
        async with db.read() as session:
            counts = {
                name: await session.scalar(select(func.count()).select_from(model))
                for name, model in (("checks", Check), ("findings", Finding), ("complaints", Complaint))
            }
            latest = await session.scalar(select(func.max(Finding.created_at)))
            office = (await session.scalars(select(User).where(User.username == "office"))).one()
        print(f"data: {counts}, latest finding {latest:%Y-%m-%d}")
        evaluations = EvaluationService(db, settings)
        scores = ScoreService(db, settings, evaluations)
        records = RecordService(db, scores)
        responsibility = ResponsibilityService(db, scores)
        year = latest.year
        now = utcnow()
        period = parse_period(str(year))
        units = await scores.visible_units(office)
        assert units is not None
        busiest = max((await scores.scores(units, period)), key=lambda row: row["routine"]["basis"])["unit"]
        unit = next(u for u in units if u.code == busiest)
        figures = {
            f"year's scores ({len(units)} units)": lambda: scores.scores(units, period),
            "monthly trend, months together": lambda: monthly_trend(scores, units, year),
            "monthly trend, 12 separate scores": lambda: separately(scores, units, year),
            "three assessments": lambda: responsibility.assess(period),
            f"drill-down of {busiest}": lambda: records.records(office, unit, period),
        }
        ids = [u.id for u in units]
        for label, periods in (("the year", [period]), ("its months", months_of(year))):
            bounds = [p.bounds(settings.timezone) for p in periods]
            same = await scores.routine_counts(ids, bounds, now) == await scores.routine_recount(
                ids, bounds, now
            )
            print(f"routine figures from the running counts equal a recount of the findings, {label}: {same}")
        median, worst = await timed(
            runs, lambda: scores.routine_recount(ids, [period.bounds(settings.timezone)], now)
        )
        print(
            f"(routine part by recounting the year's findings instead: median {median:.0f} ms, worst {worst:.0f} ms)"
        )
        together = await monthly_trend(scores, units, year)
        assert together == await separately(scores, units, year), "the two ways disagree"
        for name, call in figures.items():
            median, worst = await timed(runs, call)
            print(f"{name}: median {median:.0f} ms, worst {worst:.0f} ms")
    finally:
        await db.dispose()

    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
        token = (
            await client.post("/api/v1/auth/token", json={"username": "office", "password": PASSWORD})
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def ranking() -> None:
            response = await client.get(f"/scores?period={year}", headers=headers)
            assert response.status_code == 200, response.text[:200]

        median, worst = await timed(runs, ranking)
        print(f"GET /scores?period={year} (office, whole page): median {median:.0f} ms, worst {worst:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "xuncha-scores-history")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--database", type=Path, default=None, help="an existing SQLite file to measure")
    args = parser.parse_args()
    if args.database is None:
        build(args.dir, args.fresh)
    asyncio.run(main(args.dir, args.runs, args.database))
