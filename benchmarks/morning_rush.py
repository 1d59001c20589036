"""The morning rush: officers come back into signal at once and flush their outboxes.

Starts a real server (`xuncha serve --workers N`) on a fresh data folder and the embedded
SQLite, or on the PostgreSQL database named by --database-url (empty or already migrated);
adds the officers' accounts with an API token each; then every simulated phone flushes its
outbox of checks with photos through the sync API exactly as the phone does (PUT the check
by its UUID, then each photo it still misses; retry with the phone's backoff on network
errors, 408, 425, 429 and 5xx). The photos are the fixture photos shrunk as the phone
shrinks them. Prints the time to drain every outbox, checks and photos per second,
p50/p95/p99 latency per kind of request, the answers other than 2xx, and the server's
own counts afterwards (read by SQL): sent, acknowledged, stored, duplicated, lost.

    python benchmarks/morning_rush.py [--officers 300] [--checks 20] [--photos 2] [--workers 2]
    python benchmarks/morning_rush.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/DB --workers 4

Faults during the rush: benchmarks/rush_faults.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.rush.run import Plan, live_server, report, rush  # noqa: E402


def parser(doc: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--officers", type=int, default=300)
    p.add_argument("--checks", type=int, default=20, help="checks in each officer's outbox")
    p.add_argument("--photos", type=int, default=2, help="photos of each check")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--database-url", default="", help="PostgreSQL URL; the embedded SQLite when empty")
    p.add_argument("--backoff", type=float, default=5.0, help="the phone's first backoff in seconds")
    p.add_argument("--drain-timeout", type=float, default=900.0)
    return p


def plan_of(args: argparse.Namespace) -> Plan:
    return Plan(
        officers=args.officers,
        checks=args.checks,
        photos=args.photos,
        workers=args.workers,
        database_url=args.database_url,
        backoff_min=args.backoff,
        drain_timeout=args.drain_timeout,
    )


def backend(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def main() -> int:
    args = parser(__doc__ or "").parse_args()
    plan = plan_of(args)
    with (
        tempfile.TemporaryDirectory(prefix="xuncha-rush-") as tmp,
        live_server(Path(tmp) / "data", plan) as server,
    ):
        result = asyncio.run(rush(server, plan, progress=print))
    for line in report(result, plan, backend(plan.database_url)):
        print(line)
    return 0 if result.counts.clean else 1


if __name__ == "__main__":
    sys.exit(main())
