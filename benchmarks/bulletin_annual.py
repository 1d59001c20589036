"""The annual bulletin of a bureau with 40 units, 7 campaigns and a year of 200,000 findings and
20,000 complaints: the seconds to compute its figures, to draw its PDF and to write its XLSX.

    .venv/bin/python benchmarks/bulletin_annual.py
    .venv/bin/python benchmarks/bulletin_annual.py [--findings 200000] [--complaints 20000] [--units 40]
        [--dir DIR] [--database-url postgresql+asyncpg://user@host/db] [--fresh] [--runs 3]

The first run builds the database: the real schema by the project's migrations, the demo
reference data (its seven campaigns), more units up to `--units` rectifying units, then a year of
checks (5% of them unannounced and covert, four in five of those disclosed), their answers and
findings in every status, complaints, the democratic evaluation's votes, and a few closed
findings with before and after photos, all bulk-inserted with SQL. On SQLite (the default) the
file is kept in DIR (default: xuncha-bulletin-annual in the system's temporary folder) and reused
by later runs; with `--database-url` the database must be empty the first time, and is reused
when it already holds the data.

What is measured, per run, for the annual bulletin of the last full year, bureau-wide:
- figures: BulletinService.compute, every section's aggregate statements and the unit ranking;
- pdf: the PDF drawn from those figures (with the cases' photo thumbnails);
- xlsx: the XLSX workbook from the same figures.
The aim is under 10 s each. The load average before and after is printed: on a busy machine
the times swing.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from PIL import Image  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from server import models  # noqa: E402
from server.app import build_services  # noqa: E402
from server.assessment.periods import parse_period  # noqa: E402
from server.bulletins.files import photo_reader  # noqa: E402
from server.bulletins.pdf import render_bulletin_pdf  # noqa: E402
from server.bulletins.xlsx import render_bulletin_xlsx  # noqa: E402
from server.db import Database, upgrade  # noqa: E402
from server.demo.loader import load_demo  # noqa: E402
from server.documents.fonts import cjk_font  # noqa: E402
from server.photos.store import derived_key  # noqa: E402
from server.settings import Settings  # noqa: E402

TIMEZONE = "Asia/Shanghai"
BATCH = 10_000
CASE_SHARE = 0.01  # of the closed findings, those with before and after photos


def settings_for(folder: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=folder / "data",
        database_url=database_url or f"sqlite+aiosqlite:///{folder / 'data' / 'xuncha.db'}",
        secret_key="bulletin-annual-benchmark",
        demo_password="xuncha-demo",
        timezone=TIMEZONE,
        deadline_sweep_seconds=0,
    ).resolved()


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


async def insert_rows(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        async with db.write() as session:
            await session.execute(insert(table), rows[start : start + BATCH])


async def add_units(db: Database, wanted: int) -> list[int]:
    async with db.read() as session:
        units = (await session.execute(select(models.Unit))).scalars().all()
    rectifying = [u.id for u in units if u.kind in ("district", "office", "department") and u.active]
    extra = [
        {"code": f"bench-unit-{n:02d}", "name_zh": f"基准单位{n:02d}", "name_en": f"Bench unit {n:02d}",
         "kind": "department", "active": True}
        for n in range(1, wanted - len(rectifying) + 1)
    ]  # fmt: skip
    if extra:
        await insert_rows(db, models.Unit.__table__, extra)
    async with db.read() as session:
        codes = [row["code"] for row in extra]
        rectifying += list(
            (await session.execute(select(models.Unit.id).where(models.Unit.code.in_(codes)))).scalars()
        )
    return rectifying


def finding_life(rng: random.Random, created: datetime, end: datetime, unit_ids: list[int]) -> dict[str, Any]:
    life: dict[str, Any] = {"status": "new", "rework_count": 0}
    if rng.random() < 0.03:
        return life
    assigned = created + timedelta(hours=rng.uniform(1, 48))
    deadline = assigned + timedelta(days=rng.choice((1, 3, 3, 7, 15)))
    life.update(
        status="assigned", assigned_unit_id=rng.choice(unit_ids), assigned_at=assigned, deadline=deadline
    )
    if rng.random() < 0.08 or assigned > end:
        return life  # waiting: overdue once the deadline passes
    submitted = assigned + (deadline - assigned) * rng.uniform(0.1, 1.3)
    life.update(status="submitted", submitted_at=submitted)
    if rng.random() < 0.1:
        life.update(status="rework", rework_count=1, deadline=submitted + timedelta(days=3))
        return life
    if rng.random() < 0.9:
        life.update(status="closed", closed_at=submitted + timedelta(hours=rng.uniform(2, 72)))
    return life


async def generate(
    settings: Settings, findings: int, complaints: int, units: int, year: int
) -> dict[str, int]:
    rng = random.Random(20261130)
    db = Database(settings)
    zone = ZoneInfo(TIMEZONE)
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    span = (end - start).total_seconds()
    try:
        unit_ids = await add_units(db, units)
        async with db.read() as session:
            campaigns = list((await session.execute(select(models.Campaign.id))).scalars())
            items: dict[int, list[tuple[int, str]]] = {}
            for item in (await session.execute(select(models.ChecklistItem))).scalars():
                items.setdefault(item.campaign_id, []).append((item.id, item.severity))
            users = dict((await session.execute(select(models.User.username, models.User.id))).all())
        checks, answers, rows = [], [], []
        check_id = answer_id = finding_id = 0
        while finding_id < findings:
            check_id += 1
            campaign = rng.choice(campaigns)
            created = start + timedelta(seconds=rng.random() * span * 0.98)
            covert = rng.random() < 0.05
            disclosed = created + timedelta(days=rng.uniform(1, 5)) if covert and rng.random() < 0.8 else None
            target = rng.choice(unit_ids) if covert else None
            checks.append(
                {"id": check_id, "uuid": f"00000000-0000-4000-9000-{check_id:012x}",
                 "author_id": users["supervisor" if covert else "officer"], "campaign_id": campaign,
                 "kind": "unannounced" if covert else "patrol", "recorded_at": created, "received_at": created,
                 "lat": 32.63, "lon": 110.8, "location_source": "gps", "target_unit_id": target,
                 "body_sha256": f"{check_id:064x}", "status": "complete", "covert": covert,
                 "disclosed_at": disclosed}
            )  # fmt: skip
            chosen = rng.sample(items[campaign], min(len(items[campaign]), rng.choice((1, 1, 2, 3)) + covert))
            for position, (item_id, severity) in enumerate(chosen):
                answer_id += 1
                failed = not covert or position == 0
                answers.append(
                    {"id": answer_id, "check_id": check_id, "item_id": item_id, "position": position,
                     "result": "fail" if failed else "pass", "severity": severity if failed else None}
                )  # fmt: skip
                if not failed or finding_id >= findings:
                    continue
                finding_id += 1
                hidden = covert and disclosed is None
                life = (
                    {"status": "new", "rework_count": 0}
                    if hidden
                    else finding_life(rng, created, end, unit_ids)
                )
                if covert and life.get("assigned_unit_id"):
                    life["assigned_unit_id"] = target
                rows.append(
                    {"id": finding_id, "check_id": check_id, "answer_id": answer_id, "campaign_id": campaign,
                     "item_id": item_id, "severity": severity, "lat": 32.63, "lon": 110.8, "found_at": created,
                     "created_at": created, "updated_at": created, "covert": covert, "disclosed_at": disclosed,
                     "notice_number": f"十城管整改〔{year}〕第{finding_id:06d}号" if life.get("assigned_at") else None,
                     **life}
                )  # fmt: skip
        for table, batch in ((models.Check.__table__, checks), (models.Answer.__table__, answers)):
            await insert_rows(db, table, batch)
        # Rows of different shapes go separately: a bulk insert takes the keys of its first row.
        for keys in {tuple(sorted(row)) for row in rows}:
            await insert_rows(
                db, models.Finding.__table__, [row for row in rows if tuple(sorted(row)) == keys]
            )
        await add_cases(db, settings, rng, rows, users)
        await add_complaints(db, rng, complaints, campaigns, unit_ids, users["office"], start, span)
        await insert_rows(
            db,
            models.Evaluation.__table__,
            [
                {"period": f"{year}", "unit_id": unit_id, "satisfied": rng.randint(10, 40),
                 "basically_satisfied": rng.randint(0, 15), "unsatisfied": rng.randint(0, 12),
                 "entered_by_id": users["office"]}
                for unit_id in unit_ids
            ],
        )  # fmt: skip
    finally:
        await db.dispose()
    return {"checks": check_id, "answers": answer_id, "findings": finding_id, "complaints": complaints}


async def add_cases(
    db: Database, settings: Settings, rng: random.Random, rows: list[dict[str, Any]], users: dict[str, int]
) -> None:
    """Before and after photos (two real thumbnails in the store) for a share of the closed findings."""
    store = build_services(settings, db)["photos"].store
    shas = []
    for colour in ((160, 90, 60), (60, 140, 90)):
        data = jpeg(colour)
        sha = hashlib.sha256(data).hexdigest()
        store.put(derived_key("thumb", sha), data)
        shas.append(sha)
    closed = [row for row in rows if row["status"] == "closed" and not row["covert"]]
    chosen = rng.sample(closed, max(4, int(len(closed) * CASE_SHARE)))
    rects, photos = [], []
    for n, row in enumerate(chosen, start=1):
        rects.append(
            {"id": n, "uuid": f"00000000-0000-4000-a000-{n:012x}", "finding_id": row["id"],
             "unit_id": row["assigned_unit_id"], "author_id": users["handler"], "recorded_at": row["submitted_at"],
             "lat": 32.63, "lon": 110.8, "location_source": "gps", "body_sha256": f"{n:064x}",
             "status": "complete", "completed_at": row["submitted_at"]}
        )  # fmt: skip
        for kind, sha in zip(("b", "c"), shas, strict=True):
            photos.append(
                {"uuid": f"00000000-0000-4000-{kind}000-{n:012x}", "check_id": row["check_id"] if kind == "b" else None,
                 "rectification_id": n if kind == "c" else None, "item_id": row["item_id"],
                 "uploader_id": users["handler"], "received_at": row["created_at"], "media_type": "image/jpeg",
                 "sha256": sha}
            )  # fmt: skip
    await insert_rows(db, models.Rectification.__table__, rects)
    await insert_rows(db, models.Photo.__table__, photos)


async def add_complaints(
    db: Database, rng: random.Random, n: int, campaigns: list[int], units: list[int], office: int, start: datetime,
    span: float,
) -> None:  # fmt: skip
    rows = []
    for i in range(1, n + 1):
        received = start + timedelta(seconds=rng.random() * span * 0.98)
        status = rng.choice(("closed",) * 7 + ("visited", "investigated", "assigned"))
        investigated = received + timedelta(days=rng.uniform(0.5, 5)) if status != "assigned" else None
        visited = (
            investigated + timedelta(days=rng.uniform(0.5, 4)) if status in ("closed", "visited") else None
        )
        outcome = (
            rng.choice(("satisfied",) * 6 + ("basically_satisfied",) * 3 + ("unsatisfied",))
            if visited
            else None
        )
        rows.append(
            {"uuid": f"00000000-0000-4000-d000-{i:012x}", "source": "hotline_12319", "received_at": received,
             "content": "投诉内容", "campaign_id": rng.choice(campaigns), "status": status,
             "assigned_unit_id": rng.choice(units), "assigned_at": received, "deadline": received + timedelta(days=5),
             "first_investigated_at": investigated, "investigated_at": investigated, "first_visited_at": visited,
             "visited_at": visited, "visit_outcome": outcome,
             "closed_at": visited if status == "closed" else None, "body_sha256": f"{i:064x}",
             "created_by_id": office}
        )  # fmt: skip
    await insert_rows(db, models.Complaint.__table__, rows)


async def existing_findings(settings: Settings) -> int:
    db = Database(settings)
    try:
        async with db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(models.Finding)) or 0)
    finally:
        await db.dispose()


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


async def measure(settings: Settings, year: int, runs: int) -> None:
    db = Database(settings)
    services = build_services(settings, db)
    bulletins, store = services["bulletins"], services["photos"].store
    font = cjk_font(settings.pdf_font)
    try:
        for run in range(1, runs + 1):
            started = time.perf_counter()
            figures = await bulletins.compute("annual", parse_period(str(year)), None)
            computed = time.perf_counter()
            pdf = render_bulletin_pdf(
                figures, photo_reader(store), timezone=TIMEZONE, published=None, font=font
            )
            drawn = time.perf_counter()
            xlsx = render_bulletin_xlsx(figures, timezone=TIMEZONE, published=None)
            written = time.perf_counter()
            print(
                f"run {run}: figures {computed - started:.2f} s, pdf {drawn - computed:.2f} s "
                f"({len(pdf) // 1024} KB), xlsx {written - drawn:.2f} s ({len(xlsx) // 1024} KB), "
                f"figures JSON {len(json.dumps(figures)) // 1024} KB"
            )
        s = figures["sections"]
        print(f"checks made: {s['checks']['total']}")
        print(f"findings: {s['findings']['total']}")
        handling = s["handling"]
        print(
            "handling: "
            + ", ".join(
                f"{k} {handling[k]['numerator']}/{handling[k]['denominator']}"
                for k in handling
                if "rate" in k
            )
        )
        print(
            f"complaints: received {s['complaints']['received']}, completion {s['complaints']['completion_rate']}"
        )
        print(f"overdue: {s['overdue']['total']} (listed {len(s['overdue']['rows'])})")
        print(
            f"ranking: {len(s['ranking']['rows'])} units, praise {len(s['praise']['rows'])}, "
            f"criticism {len(s['criticism']['rows'])}; cases {len(s['cases']['rows'])}"
        )
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", type=int, default=200_000)
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "xuncha-bulletin-annual")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    year = datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE)).year - 1
    settings = settings_for(args.dir, args.database_url)
    if args.fresh and not args.database_url:
        (args.dir / "data" / "xuncha.db").unlink(missing_ok=True)
    (args.dir / "data").mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    have = asyncio.run(existing_findings(settings))
    if have == 0:
        started = time.perf_counter()
        asyncio.run(load_demo(settings))
        counts = asyncio.run(generate(settings, args.findings, args.complaints, args.units, year))
        print(f"generated {counts} in {time.perf_counter() - started:.1f} s")
    elif have < args.findings:
        sys.exit(f"the database holds {have} findings already: give an empty one, or --fresh for SQLite")
    else:
        print(f"reusing the database ({have} findings)")
    print(f"load average before: {load()} ({os.cpu_count()} cores)")
    asyncio.run(measure(settings, year, args.runs))
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
