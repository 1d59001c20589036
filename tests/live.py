"""A real Xuncha server in a subprocess on a free port, for browser tests, concurrency tests
and benchmarks: migrated, loaded with the demo data, stopped on exit."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _xuncha() -> list[str]:
    return [sys.executable, "-m", "server.cli"]


@dataclass
class LiveServer:
    data_dir: Path
    database_url: str = ""
    workers: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            XUNCHA_DATA_DIR=str(self.data_dir),
            XUNCHA_SECRET_KEY="live-test-secret",
            XUNCHA_DEMO_PASSWORD="xuncha-demo",
            # Cheap hashes keep the tests' many logins quick; production keeps argon2's defaults
            # (tests/test_password_cost.py). A test may ask for others through extra_env.
            XUNCHA_ARGON2_TIME_COST="1",
            XUNCHA_ARGON2_MEMORY_KIB=str(8 * 1024),
            PYTHONUNBUFFERED="1",
        )
        if self.database_url:
            env["XUNCHA_DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def prepare(self) -> None:
        """`xuncha db upgrade` then `xuncha demo`, in one process (one start-up and import, not two)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        both = "import sys; from server.cli import main; sys.exit(main(['db', 'upgrade']) or main(['demo']))"
        subprocess.run(
            [sys.executable, "-c", both], cwd=REPO, env=self.env(), check=True, capture_output=True
        )

    def copy_of(self, template: Path) -> LiveServer:
        """Start from a copy of a data folder another server prepared (migrated, with the demo data)."""
        shutil.copytree(template, self.data_dir, dirs_exist_ok=True)
        return self

    def start(self) -> LiveServer:
        self.port = self.port or free_port()
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [*_xuncha(), "serve", "--port", str(self.port), "--workers", str(self.workers)],
            cwd=REPO,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early; see {self.data_dir / 'server.log'}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not answer /healthz within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def __enter__(self) -> LiveServer:
        self.prepare()
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
