"""The faults of a morning rush: a worker killed, PostgreSQL restarted, the photo disk full.

PostgreSQL is never the machine's shared server: `PrivatePostgres` makes its own cluster in a
temporary folder on a free port (initdb, pg_ctl), which can be restarted at will. The photo
disk is a small tmpfs mounted over the data folder's photos/ (root only).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from tests.live import LiveServer, free_port

from .phone import Officer

PG_BIN = Path(os.environ.get("XUNCHA_PG_BIN", "/usr/lib/postgresql/15/bin"))
Fault = Callable[[list[Officer]], Awaitable[str]]


class FaultSetupError(RuntimeError):
    """A fault cannot be staged on this machine (no PostgreSQL binaries, not root, ...)."""


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root: the cluster belongs to the postgres account then.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class PrivatePostgres:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "pgdata"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/xuncha"

    def _run(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(_as_postgres(list(args)), capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise FaultSetupError(
                f"{Path(args[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}"
            )

    def start(self) -> PrivatePostgres:
        if not (PG_BIN / "initdb").exists():
            raise FaultSetupError(f"no PostgreSQL binaries in {PG_BIN} (set XUNCHA_PG_BIN)")
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self._pg_ctl("start", "-w")
        self._run(
            str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q",
            "-c", "CREATE DATABASE xuncha",
        )  # fmt: skip
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=300"
        self._run(
            str(PG_BIN / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.root / "pg.log"), "-o", options, *extra
        )  # fmt: skip

    def restart(self) -> float:
        """Stop (fast: every connection is cut, open transactions roll back) and start again."""
        started = time.monotonic()
        self._pg_ctl("restart", "-m", "fast", "-w")
        return time.monotonic() - started

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(FaultSetupError, subprocess.TimeoutExpired):
                self._pg_ctl("stop", "-m", "immediate", "-w")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    with tempfile.TemporaryDirectory(prefix="xuncha-pg-") as tmp:
        pg = PrivatePostgres(Path(tmp))
        try:
            yield pg.start()
        finally:
            pg.stop()


def worker_pids(server: LiveServer) -> list[int]:
    """The serving processes under `xuncha serve --workers N` (its multiprocessing children)."""
    assert server.process is not None
    pids = []
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    for pid in children:
        with contextlib.suppress(FileNotFoundError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                pids.append(int(pid))
    return pids


def kill_worker(server: LiveServer) -> Fault:
    async def fault(_officers: list[Officer]) -> str:
        before = worker_pids(server)
        if not before:
            raise FaultSetupError("no worker processes found: run the server with --workers 2 or more")
        victim = before[0]
        os.kill(victim, signal.SIGKILL)
        waited = time.monotonic()
        while True:  # the worker manager notices within a second or so and starts another
            await asyncio.sleep(0.5)
            after = worker_pids(server)
            fresh = sorted(set(after) - set(before))
            if fresh or time.monotonic() - waited > 20:
                break
        return (
            f"SIGKILL worker {victim}; workers now {after}, "
            f"{f'{fresh} started in its place' if fresh else 'none started in its place within 20 s'}"
        )

    return fault


def restart_postgres(pg: PrivatePostgres) -> Fault:
    async def fault(_officers: list[Officer]) -> str:
        took = await asyncio.to_thread(pg.restart)
        return f"PostgreSQL restarted (fast shutdown), down for {took:.1f} s"

    return fault


def mount_photo_disk(data_dir: Path, size_mb: int) -> Path:
    photos = data_dir / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(photos)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise FaultSetupError(f"cannot mount a tmpfs for the photos (root needed): {result.stderr.strip()}")
    return photos


def unmount_photo_disk(photos: Path) -> None:
    subprocess.run(["umount", "-l", str(photos)], capture_output=True)


def _fill(path: Path) -> int:
    """Write zeros until the disk refuses; the size written."""
    written = 0
    chunk = b"\0" * (1 << 20)
    with open(path, "wb") as fh:
        try:
            while True:
                fh.write(chunk)
                fh.flush()
                written += len(chunk)
        except OSError:
            pass
    return written


def _waiting_on_disk(officers: list[Officer]) -> dict[str, int]:
    by: dict[str, int] = {}
    for officer in officers:
        for entry in officer.entries:
            if entry.state != "done" and entry.error:
                label = f"{entry.error[0]} {entry.error[1]}"
                by[label] = by.get(label, 0) + 1
    return by


def fill_disk(photos: Path, hold: float) -> Fault:
    """Fill the photo disk, hold it full for `hold` s, then free it (as an operator would)."""

    async def fault(officers: list[Officer]) -> str:
        filler = photos / "filler.bin"
        size = await asyncio.to_thread(_fill, filler)
        await asyncio.sleep(hold)
        queued = _waiting_on_disk(officers)
        filler.unlink()
        return (
            f"photo disk filled ({size >> 20} MB of filler), held full {hold:.0f} s, then freed; "
            f"phones then held checks with last answers {queued or 'none'}"
        )

    return fault
