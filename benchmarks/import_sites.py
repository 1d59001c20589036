"""Time the import of 5,000 sites from one XLSX file, through the service the API and CLI use.

    .venv/bin/python benchmarks/import_sites.py [--sites 5000] [--database-url URL]

Aim: under 10 s for 5,000 sites (the whole register of a city's roads, squares and sites).
A fresh migrated SQLite database with the demo data in a temporary folder, unless a
database URL is given. Prints the file's size, the time to read it, and the time of the
import (validation, inserts and the audit entries in one transaction), then of the same
file again (every row unchanged).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from fresh import bench_settings  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from server.accounts.passwords import Passwords  # noqa: E402
from server.accounts.service import AccountService  # noqa: E402
from server.admin.imports import COLUMNS, read_rows  # noqa: E402
from server.admin.service import AdminService  # noqa: E402
from server.campaigns.service import CampaignService  # noqa: E402
from server.db import Database  # noqa: E402

UNITS = ["maojian", "zhangwan", "sanitation-office", "lighting-office"]
KINDS = ["road", "square", "park", "market", "residential"]


def workbook(count: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("sites")
    sheet.append(list(COLUMNS["sites"]))
    for n in range(count):
        sheet.append(
            [
                f"bench-{n:05d}",
                f"测试站点{n}",
                f"Site {n}",
                KINDS[n % len(KINDS)],
                round(32.55 + (n % 100) * 0.002, 6),
                round(110.70 + (n // 100) * 0.004, 6),
                UNITS[n % len(UNITS)],
                "true",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def run(count: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = await bench_settings(folder, database_url)
        url = settings.database_url
        content = workbook(count)
        db = Database(settings)
        try:
            admin = AdminService(db, AccountService(db, settings, Passwords(settings)), CampaignService(db))
            start = time.perf_counter()
            rows = read_rows("sites", content)
            read_s = time.perf_counter() - start
            start = time.perf_counter()
            first = await admin.import_file(None, "sites", content)
            first_s = time.perf_counter() - start
            start = time.perf_counter()
            second = await admin.import_file(None, "sites", content)
            second_s = time.perf_counter() - start
        finally:
            await db.dispose()
        print(f"sites: {count}, xlsx: {len(content) / 1024:.0f} KiB, database: {url.split(':')[0]}")
        print(f"reading the workbook alone: {read_s:.2f} s ({len(rows)} rows)")
        print(f"import (read, validate, insert, audit): {first_s:.2f} s -> {first}")
        print(f"same file again: {second_s:.2f} s -> {second}")
        print(f"aim: under 10 s for 5,000 sites: {'met' if first_s < 10 * count / 5000 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(run(args.sites, args.database_url))


if __name__ == "__main__":
    main()
