"""Server CPU per check PUT and per photo PUT: what the morning rush's acknowledgements cost.

Starts a real server (`xuncha serve --workers 1`, no background photo workers, so that making the
copies does not count) on a fresh data folder and the embedded SQLite, or on the PostgreSQL
database named by --database-url (empty or already migrated). One officer PUTs N checks of two
photos each, then their 2N photos (the rush's phone-shrunk pictures, each with its own bytes),
--concurrency at a time. Prints the server's own CPU seconds (user and system, read from /proc)
per request of each kind, and requests per second.

    python benchmarks/request_cpu.py [--checks 300] [--concurrency 16]
    python benchmarks/request_cpu.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/DB

CPU rather than the clock, since the load generator shares the machine: alternate runs of two
commits and compare the per-request figures, which move by about 10% between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from benchmarks.rush.phone import check_body, phone_photos, stamped  # noqa: E402
from benchmarks.rush.run import Plan, live_server, settings_of, tree_cpu_seconds  # noqa: E402
from benchmarks.rush.server_side import seed_officers  # noqa: E402
from tests.live import LiveServer  # noqa: E402


async def measure(server: LiveServer, checks: int, concurrency: int) -> None:
    tokens = await seed_officers(settings_of(server), f"cpu{secrets.token_hex(3)}-", 1)
    server.start()
    assert server.process is not None
    officer = {"Authorization": f"Bearer {tokens[0][1]}"}
    pictures = phone_photos()
    outbox = [(str(uuid.uuid4()), [str(uuid.uuid4()), str(uuid.uuid4())]) for _ in range(checks)]
    kinds: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
        (
            "check",
            [
                (
                    f"/api/v1/checks/{check}",
                    {
                        "content": check_body(n, photos),
                        "headers": officer | {"Content-Type": "application/json"},
                    },
                )
                for n, (check, photos) in enumerate(outbox)
            ],
        ),
        (
            "photo",
            [
                (
                    f"/api/v1/checks/{check}/photos/{photo}",
                    {
                        "content": stamped(pictures[i % len(pictures)], photo),
                        "headers": officer | {"Content-Type": "image/jpeg"},
                    },
                )
                for check, photos in outbox
                for i, photo in enumerate(photos)
            ],
        ),
    ]
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:

        async def put(path: str, request: dict[str, Any]) -> None:
            async with gate:
                answer = await client.put(path, **request)
            if answer.status_code not in (200, 201):
                raise RuntimeError(f"{path}: {answer.status_code} {answer.text}")

        for kind, requests in kinds:
            cpu_before, started = tree_cpu_seconds(server.process.pid), time.perf_counter()
            await asyncio.gather(*(put(path, request) for path, request in requests))
            cpu_after, elapsed = tree_cpu_seconds(server.process.pid), time.perf_counter() - started
            assert cpu_before is not None and cpu_after is not None, "needs Linux's /proc"
            print(
                f"{kind}: {len(requests)} PUTs, server CPU {(cpu_after - cpu_before) / len(requests) * 1000:.2f} ms"
                f" each, {len(requests) / elapsed:.0f}/s"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; the embedded SQLite when empty")
    args = parser.parse_args()
    plan = Plan(workers=1, database_url=args.database_url, extra_env={"XUNCHA_PHOTO_WORKERS": "0"})
    with (
        tempfile.TemporaryDirectory(prefix="xuncha-cpu-") as tmp,
        live_server(Path(tmp) / "data", plan) as server,
    ):
        asyncio.run(measure(server, args.checks, args.concurrency))
    return 0


if __name__ == "__main__":
    sys.exit(main())
