"""Check ingest on the embedded default beside the bare stack, in one run.

The same load generator (benchmarks/check_throughput.py: 20 keep-alive clients PUTting new
checks) drives, one after the other, a bare Litestar + aiosqlite app that writes one row per
PUT (benchmarks/ingest_bare.py) and Xuncha's PUT /api/v1/checks/{uuid} on a fresh SQLite
database with one worker (a check with a failed item: validation, the token, the check, its
answers, a finding, the desk's counts and the audit trail). Each is measured --rounds times,
alternating, and the best round of each counts (the machine is shared; the best round is the
one least disturbed). Prints checks/s of both and their ratio, and beside them the server
process's CPU time per check (user + system, all its threads, from /proc on Linux): on a
machine shared with other work the rates move with the neighbours' load, the CPU per check
much less, so its ratio is the steadier figure of the two.

    python benchmarks/ingest_ratio.py [--requests 3000] [--clients 20] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.check_throughput import load, officer_token  # noqa: E402
from tests.live import REPO, LiveServer, free_port  # noqa: E402


class BareServer:
    def __init__(self, db: Path) -> None:
        self.db, self.port = db, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BareServer:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "benchmarks.ingest_bare:app",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env={**os.environ, "BARE_DB": str(self.db)},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the bare app did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads so far (0 where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def line(name: str, f: dict[str, float]) -> str:
    return (
        f"  {name:7} {f['rate']:7.0f} checks/s  ({f['ok']:.0f}/{f['requests']:.0f} ok, "
        f"p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms, p99 {f['p99']:.1f} ms, "
        f"server CPU {f['cpu_ms']:.2f} ms/check)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    best: dict[str, float] = {"bare": 0.0, "xuncha": 0.0}
    least_cpu: dict[str, float] = {"bare": float("inf"), "xuncha": float("inf")}
    with tempfile.TemporaryDirectory(prefix="xuncha-ingest-") as tmp:
        xuncha = LiveServer(Path(tmp) / "data")
        with BareServer(Path(tmp) / "bare.db") as bare, xuncha:
            token = asyncio.run(officer_token(xuncha.url))
            for n in range(args.rounds):
                print(f"round {n + 1}")
                for name, url, tok, server in (
                    ("bare", bare.url, "", bare.process),
                    ("xuncha", xuncha.url, token, xuncha.process),
                ):
                    assert server is not None
                    before = cpu_seconds(server.pid)
                    figures = asyncio.run(load(url, tok, args.requests, args.clients))
                    # The load's warm-up requests ran on the server too.
                    figures["cpu_ms"] = (cpu_seconds(server.pid) - before) / (figures["requests"] + 50) * 1000
                    print(line(name, figures))
                    best[name] = max(best[name], figures["rate"])
                    least_cpu[name] = min(least_cpu[name], figures["cpu_ms"])
    print(f"best: bare {best['bare']:.0f} checks/s, Xuncha {best['xuncha']:.0f} checks/s")
    print(f"ratio Xuncha/bare: {best['xuncha'] / best['bare']:.2f}")
    if least_cpu["xuncha"] > 0:
        print(
            f"server CPU per check: bare {least_cpu['bare']:.2f} ms, Xuncha {least_cpu['xuncha']:.2f} ms; "
            f"ratio bare/Xuncha: {least_cpu['bare'] / least_cpu['xuncha']:.2f}"
        )


if __name__ == "__main__":
    main()
