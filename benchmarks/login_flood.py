"""A logged-in client's latency and the server's memory while a crowd sends wrong passwords.

Starts a real server (uvicorn in a subprocess on a free loopback port, production argon2
parameters, a fresh data dir with the demo loaded). One client logs in first, then reads
/api/v1/me every 50 ms; meanwhile N clients (32 by default) send wrong passwords to
/api/v1/auth/token as fast as they are answered, for usernames that exist and many that
do not. Prints the reader's p50/p95 and the server's peak resident memory. The failure
counts are shared by every worker (server/counters), so each wrong password is one write to
the database: its cost is in these figures.

Two runs by default: all guessers from one source address; then from many simulated
sources (X-Forwarded-For, with the server told to trust the loopback proxy). Bounded by
--seconds and --max-requests; nothing leaves 127.0.0.1.

    python benchmarks/login_flood.py [--clients 32] [--seconds 20] [--baseline-seconds 5] [--sources one|many|both]
    python benchmarks/login_flood.py --source-dir OTHER_CHECKOUT   # the same load on other code
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KNOWN = ["lead", "officer", "officer2", "supervisor", "handler", "office"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Http:
    """A minimal HTTP/1.1 keep-alive client, so the load generator costs little CPU on a small machine."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length)
        if close:
            await self.close()
        return int(status_line.split()[1]), payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Server:
    def __init__(self, source_dir: Path, data_dir: Path, trust_proxy: bool) -> None:
        self.source_dir, self.data_dir, self.trust_proxy = source_dir, data_dir, trust_proxy
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(self.source_dir),
            XUNCHA_DATA_DIR=str(self.data_dir),
            XUNCHA_SECRET_KEY="login-flood-secret",
            XUNCHA_DEMO_PASSWORD="xuncha-demo",
            XUNCHA_DEADLINE_SWEEP_SECONDS="0",
        )
        env.pop("XUNCHA_DATABASE_URL", None)
        if self.trust_proxy:
            env["XUNCHA_TRUSTED_PROXIES"] = "127.0.0.1"
        return env

    def __enter__(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for args in (["db", "upgrade"], ["demo"]):
            subprocess.run(
                [sys.executable, "-m", "server.cli", *args],
                cwd=self.source_dir,
                env=self.env(),
                check=True,
                capture_output=True,
            )
        proxy = (
            ["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]
            if self.trust_proxy
            else ["--no-proxy-headers"]
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "server.asgi:create",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--log-level",
                "warning",
                *proxy,
            ],
            cwd=self.source_dir,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=open(self.data_dir / "server.log", "ab"),  # noqa: SIM115 - closed with the process
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early; see {self.data_dir / 'server.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in sock.recv(100):
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer /healthz within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


async def flood(
    server: Server, clients: int, seconds: float, baseline: float, max_requests: int, many_sources: bool
) -> None:
    assert server.process is not None
    pid = server.process.pid
    reader = Http(server.port)
    body = json.dumps({"username": "officer", "password": "xuncha-demo"}).encode()
    status, payload = await reader.request(
        "POST", "/api/v1/auth/token", {"Content-Type": "application/json"}, body
    )
    assert status == 200, payload
    me_headers = {"Authorization": f"Bearer {json.loads(payload)['token']}"}
    for _ in range(20):  # warm-up
        await reader.request("GET", "/api/v1/me", me_headers)
    rss_before = rss_kib(pid)

    # The same reader alone first: on a shared machine this says what the flood adds.
    quiet: list[float] = []
    quiet_until = time.monotonic() + baseline
    while time.monotonic() < quiet_until:
        started = time.perf_counter()
        await reader.request("GET", "/api/v1/me", me_headers)
        quiet.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)

    stop_at = time.monotonic() + seconds
    sent = 0
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    peak = [rss_before]

    async def guesser(n: int) -> None:
        nonlocal sent
        http = Http(server.port)
        rng = random.Random(n)
        # Four simulated addresses per guesser when the proxy is trusted: 128 sources for 32.
        sources = [f"10.{n}.{k}.{rng.randrange(1, 255)}" for k in range(4)]
        try:
            while time.monotonic() < stop_at and sent < max_requests:
                sent += 1
                username = rng.choice(KNOWN) if rng.random() < 0.3 else f"guess-{rng.randrange(10**6)}"
                headers = {"Content-Type": "application/json"}
                if many_sources:
                    headers["X-Forwarded-For"] = rng.choice(sources)
                payload = json.dumps({"username": username, "password": f"wrong-{rng.randrange(10**6)}"})
                status, _ = await http.request("POST", "/api/v1/auth/token", headers, payload.encode())
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            await http.close()

    async def reading() -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status, _ = await reader.request("GET", "/api/v1/me", me_headers)
            latencies.append(time.perf_counter() - started)
            assert status == 200, status
            await asyncio.sleep(0.05)

    async def watching() -> None:
        while time.monotonic() < stop_at:
            peak[0] = max(peak[0], rss_kib(pid))
            await asyncio.sleep(0.1)

    started, cpu_started = time.monotonic(), cpu_seconds(pid)
    await asyncio.gather(reading(), watching(), *(guesser(n) for n in range(clients)))
    elapsed = time.monotonic() - started
    server_cpu = cpu_seconds(pid) - cpu_started
    await reader.close()
    high_water = rss_kib(pid, "VmHWM")

    latencies.sort()
    quiet.sort()

    def pct(p: float, values: list[float] = latencies) -> float:
        return values[min(len(values) - 1, int(p * len(values)))] * 1000

    label = "many sources (trusted X-Forwarded-For)" if many_sources else "one source"
    print(f"--- {clients} guessers, {label}, {elapsed:.1f} s")
    print(f"guesses sent: {sent}; answers: {dict(sorted(statuses.items()))}")
    print(f"server CPU: {server_cpu:.1f} s ({server_cpu / elapsed * 100:.0f}% of one core)")
    if quiet:
        print(
            f"logged-in GET /api/v1/me, no guessers: n={len(quiet)}  p50 {pct(0.50, quiet):.1f} ms  "
            f"p95 {pct(0.95, quiet):.1f} ms"
        )
    print(
        f"logged-in GET /api/v1/me: n={len(latencies)}  p50 {pct(0.50):.1f} ms  p95 {pct(0.95):.1f} ms  "
        f"max {latencies[-1] * 1000:.1f} ms"
    )
    print(
        f"server memory: {rss_before / 1024:.0f} MB before, peak sampled {peak[0] / 1024:.0f} MB, "
        f"peak (VmHWM) {high_water / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--baseline-seconds", type=float, default=5.0, help="the reader alone, first")
    parser.add_argument("--max-requests", type=int, default=50_000, help="guesses per run, at most")
    parser.add_argument("--sources", choices=["one", "many", "both"], default="both")
    parser.add_argument(
        "--source-dir", type=Path, default=REPO, help="the code to serve (default: this checkout)"
    )
    args = parser.parse_args()
    modes = {"one": [False], "many": [True], "both": [False, True]}[args.sources]
    print(f"code: {args.source_dir.resolve().name}; {os.cpu_count()} cores; argon2 at production cost")
    for many in modes:
        with tempfile.TemporaryDirectory(prefix="xuncha-flood-") as tmp:
            with Server(args.source_dir.resolve(), Path(tmp) / "data", trust_proxy=many) as server:
                asyncio.run(
                    flood(server, args.clients, args.seconds, args.baseline_seconds, args.max_requests, many)
                )


if __name__ == "__main__":
    main()
