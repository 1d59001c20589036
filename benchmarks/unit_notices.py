"""Issue unit rectification notices concurrently and check their numbers, then draw one as a PDF.

    .venv/bin/python benchmarks/unit_notices.py [--notices 200] [--concurrency 20] [--database-url URL]

A fresh migrated SQLite database with the demo data in a temporary folder, unless a database URL
(of a migrated database holding the demo data) is given. Each notice goes through the service the
API calls (the unit's score computed, the number taken, the row and its audit entry written).
Prints notices per second, the median and 95th-percentile time of one issue, whether the numbers
taken are unique and without gaps, and the time to draw one notice as a PDF.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from fresh import bench_settings  # noqa: E402
from sqlalchemy import select  # noqa: E402

from server.app import build_services  # noqa: E402
from server.assessment.notice_pdf import unit_notice_pdf  # noqa: E402
from server.db import Database  # noqa: E402
from server.models import User  # noqa: E402

NUMBER = re.compile(r"〔(\d{4})〕第(\d+)号")


async def run(count: int, concurrency: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = await bench_settings(folder, database_url)
        url = settings.database_url
        db = Database(settings)
        try:
            services = build_services(settings, db)
            notices = services["unit_notices"]
            async with db.read() as session:
                office = (await session.execute(select(User).where(User.username == "office"))).scalar_one()
            deadline = (datetime.now(UTC) + timedelta(days=30)).isoformat()
            body = {"period": "2026", "unit": "dust-office", "deadline": deadline, "override_reason": "bench"}
            gate = asyncio.Semaphore(concurrency)
            times: list[float] = []

            async def issue_one() -> str:
                async with gate:
                    start = time.perf_counter()
                    notice = await notices.issue(office, body)
                    times.append(time.perf_counter() - start)
                    return notice.number

            start = time.perf_counter()
            numbers = await asyncio.gather(*(issue_one() for _ in range(count)))
            total = time.perf_counter() - start
            seqs = sorted(int(NUMBER.search(n).group(2)) for n in numbers)  # type: ignore[union-attr]
            unbroken = len(set(seqs)) == count and seqs[-1] - seqs[0] + 1 == count
            last = await notices.get(office, (await notices.list_for(office))[0].id)
            start = time.perf_counter()
            pdf = await unit_notice_pdf(last, settings)
            pdf_s = time.perf_counter() - start
        finally:
            await db.dispose()
        quantiles = statistics.quantiles(times, n=20)
        print(f"database: {url.split(':')[0]}, notices: {count}, concurrency: {concurrency}")
        print(f"issued in {total:.2f} s: {count / total:.1f} notices/s")
        print(
            f"one issue: median {statistics.median(times) * 1000:.0f} ms, p95 {quantiles[18] * 1000:.0f} ms"
        )
        print(f"numbers {seqs[0]}..{seqs[-1]}: {'unique and without gaps' if unbroken else 'BROKEN'}")
        print(
            f"one notice as PDF: {pdf_s * 1000:.0f} ms, {len(pdf) / 1024:.0f} KiB (the font's first use included)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(run(args.notices, args.concurrency, args.database_url))


if __name__ == "__main__":
    main()
