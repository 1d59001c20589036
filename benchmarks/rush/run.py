"""One rush: a real server started, officers seeded, every phone flushing at once, a fault
injected when half the checks are acknowledged, the figures and the server's counts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from server.settings import Settings
from tests.live import LiveServer

from .phone import Officer, Phone, Stats, phone_photos
from .server_side import Counts, count, derivation_backlog, seed_officers

Fault = Callable[[list[Officer]], Awaitable[str]]


@dataclass
class Plan:
    officers: int = 300
    checks: int = 20
    photos: int = 2
    workers: int = 2
    database_url: str = ""
    backoff_min: float = 5.0  # the phone's first backoff
    drain_timeout: float = 900.0  # phones still holding checks after this give up for the run
    fault_at: float = 0.5  # share of the checks acknowledged when the fault strikes
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    elapsed: float
    officers: list[Officer]
    stats: Stats
    counts: Counts
    fault_log: list[str]
    photo_bytes: list[int]
    # Seconds from the start until every photo's display copy and thumbnail was made (None: not
    # within the drain timeout), and the jobs still queued then.
    derived_after: float | None = None
    derivation_left: int = 0
    undecodable: int = 0
    # CPU seconds the server's processes used until every outbox was drained, and until every copy
    # was made: on a machine shared with other work these say more than the seconds on the clock.
    cpu_drained: float | None = None
    cpu_derived: float | None = None


def tree_cpu_seconds(root: int) -> float | None:
    """User and system CPU seconds of a process and all its descendants (Linux /proc; else None)."""
    proc = Path("/proc")
    if not (proc / str(root) / "stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return sum(used.get(pid, 0.0) for pid in tree)


def settings_of(server: LiveServer) -> Settings:
    return Settings.from_env(
        data_dir=server.data_dir, database_url=server.database_url, secret_key="live-test-secret"
    )


@contextlib.contextmanager
def live_server(data_dir: Path, plan: Plan, template: Path | None = None) -> Iterator[LiveServer]:
    """A server on `data_dir`, migrated with the demo data (or copied from a `template` that is)."""
    server = LiveServer(
        data_dir, database_url=plan.database_url, workers=plan.workers, extra_env=plan.extra_env
    )
    if template is None:
        server.prepare()
    else:
        shutil.copytree(template, data_dir, dirs_exist_ok=True)
    try:
        yield server
    finally:
        server.stop()


async def rush(
    server: LiveServer,
    plan: Plan,
    fault: Fault | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    pictures = phone_photos()
    settings = settings_of(server)
    tokens = await seed_officers(settings, f"rush{secrets.token_hex(3)}-", plan.officers)
    officers = [
        Officer.with_outbox(name, token, plan.checks, plan.photos, len(pictures)) for name, token in tokens
    ]
    if server.process is None:
        server.start()
    stats = Stats()
    total = plan.officers * plan.checks
    fault_log: list[str] = []
    started = time.monotonic()
    deadline = started + plan.drain_timeout
    phones = [Phone(server.url, o, pictures, stats, plan.backoff_min) for o in officers]
    tasks = [asyncio.create_task(p.flush(deadline)) for p in phones]

    striking: list[asyncio.Task[None]] = []

    async def strike(acked: int) -> None:
        assert fault is not None
        at = time.monotonic() - started
        fault_log.append(f"{at:.1f} s, {acked}/{total} checks acknowledged: {await fault(officers)}")

    async def watch() -> None:
        last_report = started
        while True:
            await asyncio.sleep(0.05)
            acked = sum(e.acked for o in officers for e in o.entries)
            if fault is not None and not striking and acked >= total * plan.fault_at:
                striking.append(asyncio.create_task(strike(acked)))
            if progress and time.monotonic() - last_report >= 10:
                last_report = time.monotonic()
                done = sum(e.state == "done" for o in officers for e in o.entries)
                progress(f"  {last_report - started:5.0f} s: {acked} checks acknowledged, {done} complete")

    watcher = asyncio.create_task(watch())
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    server_pid = server.process.pid if server.process is not None else None
    cpu_drained = tree_cpu_seconds(server_pid) if server_pid is not None else None
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    # A fault still under way (waiting for a new worker, say) is seen to its end; one that could
    # not be staged fails the run.
    await asyncio.gather(*striking)
    if fault is not None and not fault_log:
        fault_log.append("never: the rush ended before the fault's moment")
    # The photos were acknowledged once stored; their copies are made after, by the workers.
    derived_after, left, undecodable = None, 0, 0
    while True:
        left, undecodable = await derivation_backlog(settings)
        if left == 0:
            derived_after = time.monotonic() - started
            break
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    cpu_derived = tree_cpu_seconds(server_pid) if server_pid is not None else None
    counts = await count(settings, officers, server.env())
    return Result(
        elapsed,
        officers,
        stats,
        counts,
        fault_log,
        [len(p) for p in pictures],
        derived_after,
        left,
        undecodable,
        cpu_drained,
        cpu_derived,
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


def report(result: Result, plan: Plan, backend: str) -> list[str]:
    c = result.counts
    done = sum(e.state == "done" for o in result.officers for e in o.entries)
    lines = [
        f"server: {backend}, {plan.workers} worker(s); {plan.officers} officers x {plan.checks} checks "
        f"x {plan.photos} photos (photos {', '.join(f'{n / 1e6:.2f}' for n in result.photo_bytes)} MB)",
        f"drained: {done}/{c.sent_checks} checks complete in {result.elapsed:.1f} s"
        + ("" if done == c.sent_checks else " (the rest still queued)"),
        f"throughput: {c.acked_checks / result.elapsed:.1f} checks/s, {c.acked_photos / result.elapsed:.1f} photos/s",
        (
            f"derived: every display copy and thumbnail made {result.derived_after:.1f} s after the start"
            if result.derived_after is not None
            else f"derived: {result.derivation_left} photos still waiting for their copies at the timeout"
        )
        + f"; undecodable: {result.undecodable}",
    ]
    if result.cpu_drained is not None and result.cpu_derived is not None:
        lines.append(
            f"server CPU: {result.cpu_drained:.0f} s until drained "
            f"({result.cpu_drained / max(1, c.acked_checks) * 1000:.0f} ms a check with its photos), "
            f"{result.cpu_derived:.0f} s until the copies were made or the timeout; "
            f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
        )
    for kind in ("check", "photo", "me"):
        lat = result.stats.latencies.get(kind, [])
        statuses = dict(sorted(result.stats.statuses.get(kind, {}).items()))
        lines.append(
            f"  {kind:5} {len(lat):6} requests  p50 {pct(lat, 0.5):7.1f} ms  p95 {pct(lat, 0.95):7.1f} ms  "
            f"p99 {pct(lat, 0.99):7.1f} ms  answers {statuses}"
        )
    errors = {
        f"{kind} {status}": n
        for kind, by in result.stats.statuses.items()
        for status, n in by.items()
        if not status.startswith("2")
    }
    lines.append(f"errors by status: {errors or 'none'}")
    lines.extend(f"fault at {entry}" for entry in result.fault_log)
    lines.extend(c.lines())
    return lines
