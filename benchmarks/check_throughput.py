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
import json
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


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx costs several milliseconds of CPU per request on a small machine, which would
    make the load generator, not the server, the thing measured. This client only frames
    a request and reads a Content-Length response.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def put(self, path: str, payload: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"PUT {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        self.writer.write(head + payload)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def officer_token(url: str) -> str:
    async with httpx.AsyncClient(base_url=url) as probe:
        token = (
            await probe.post("/api/v1/auth/token", json={"username": "officer", "password": "xuncha-demo"})
        ).json()["token"]
    return str(token)


async def load(url: str, token: str, requests: int, clients: int) -> dict[str, float]:
    """PUT `requests` new checks from `clients` keep-alive connections (after a warm-up); the figures."""
    host, port = url.removeprefix("http://").split(":")
    warm = RawClient(host, int(port), token)
    try:
        # Warm-up: the first requests pay for imports, caches and connection set-up.
        for n in range(50):
            await warm.put(f"/api/v1/checks/{uuid.uuid4()}", json.dumps(body(n)).encode())
    finally:
        await warm.close()
    counter = iter(range(requests))
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def client() -> None:
        http = RawClient(host, int(port), token)
        try:
            for n in counter:
                payload = json.dumps(body(n)).encode()
                start = time.perf_counter()
                status = await http.put(f"/api/v1/checks/{uuid.uuid4()}", payload)
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            await http.close()

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "elapsed": elapsed,
        "ok": sum(n for s, n in statuses.items() if 200 <= s < 300),
        "rate": len(latencies) / elapsed,
        "client_cpu": client_cpu,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": statistics.fmean(latencies) * 1000,
        "statuses": statuses,  # type: ignore[dict-item]
    }


def print_figures(f: dict[str, float], clients: int) -> None:
    print(f"requests: {f['requests']} with {clients} concurrent clients in {f['elapsed']:.2f} s")
    print(f"statuses: {dict(sorted(f['statuses'].items()))}")  # type: ignore[attr-defined]
    print(f"throughput: {f['rate']:.0f} checks/s")
    print(
        f"load generator CPU: {f['client_cpu'] / f['elapsed'] * 100:.0f}% of one core "
        f"({f['client_cpu'] / f['requests'] * 1000:.2f} ms per request)"
    )
    print(
        f"latency p50: {f['p50']:.1f} ms  p95: {f['p95']:.1f} ms  p99: {f['p99']:.1f} ms  mean: {f['mean']:.1f} ms"
    )


async def run(url: str, requests: int, clients: int) -> None:
    print_figures(await load(url, await officer_token(url), requests, clients), clients)


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
