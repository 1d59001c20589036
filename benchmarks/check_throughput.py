"""Checks per second and latency of PUT /api/v1/checks/{uuid} with 20 concurrent clients.

Starts a real server (uvicorn, as `xuncha serve` runs it) on a fresh SQLite database in a
temporary folder, then 20 clients, each with its own keep-alive connection, PUT new checks
(one failed item, so each check also opens a finding and writes the audit trail) for a
fixed number of requests. Prints throughput, p50/p95/p99 latency and errors.

    python benchmarks/check_throughput.py [--requests 4000] [--clients 20] [--workers 1]
    python benchmarks/check_throughput.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live import LiveServer  # noqa: E402


def body(n: int) -> dict[str, object]:
    recorded = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(timezone(timedelta(hours=8)))
    return {
        "campaign": "sanitation",
        "kind": "patrol",
        "recorded_at": recorded.replace(microsecond=0).isoformat(),
        "location": {"lat": 32.6293 + (n % 100) * 1e-5, "lon": 110.7981, "accuracy_m": 8.0, "source": "gps"},
        "site": None,
        "target_unit": None,
        "answers": [
            {"item": "san-01", "result": "fail", "severity": "major", "note": f"bench {n}"},
            {"item": "san-02", "result": "pass"},
            {"item": "san-03", "result": "na"},
        ],
        "note": "",
        "photos": [],
    }


async def run(url: str, requests: int, clients: int) -> None:
    async with httpx.AsyncClient(base_url=url) as probe:
        token = (await probe.post("/api/v1/auth/token", json={"username": "officer", "password": "xuncha-demo"})).json()[
            "token"
        ]
    headers = {"Authorization": f"Bearer {token}"}
    counter = iter(range(requests))
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def client() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as http:
            for n in counter:
                payload = body(n)
                start = time.perf_counter()
                response = await http.put(f"/api/v1/checks/{uuid.uuid4()}", json=payload)
                latencies.append(time.perf_counter() - start)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    # Warm-up: the first requests pay for imports, caches and connection set-up.
    warm = iter(range(50))
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        for n in warm:
            await http.put(f"/api/v1/checks/{uuid.uuid4()}", json=body(n))

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started

    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(f"requests: {len(latencies)} with {clients} concurrent clients in {elapsed:.2f} s")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"throughput: {len(latencies) / elapsed:.0f} checks/s")
    print(f"latency p50: {pct(0.50):.1f} ms  p95: {pct(0.95):.1f} ms  p99: {pct(0.99):.1f} ms  "
          f"mean: {statistics.fmean(latencies) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xuncha-bench-") as tmp:
        server = LiveServer(Path(tmp) / "data", database_url=args.database_url, workers=args.workers)
        if args.database_url.startswith("postgresql"):
            print("note: the PostgreSQL database must be empty or already migrated")
        with server:
            backend = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
            print(f"server: {backend}, {args.workers} worker(s), at {server.url}")
            asyncio.run(run(server.url, args.requests, args.clients))


if __name__ == "__main__":
    main()
