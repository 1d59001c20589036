"""The morning rush with a fault in the middle: a worker killed, PostgreSQL restarted, or the
photo disk full.

Each fault gets its own server and fresh data folder; it strikes when half the checks are
acknowledged, and the phones go on retrying as the phone does. Afterwards the script prints
the counts (sent, acknowledged, on the server, duplicated, lost, still queued with their last
answer) and fails when anything was lost, stored twice, marked received without its file,
left half-written, answered 500, or when `xuncha audit verify` does not pass.

    --fault kill-worker   SIGKILL one of the --workers (2 or more) serving processes
    --fault restart-pg    restart PostgreSQL (a private cluster made for the run, never a shared one)
    --fault fill-disk     the photos on a small tmpfs (root), filled up, held full, then freed
    --fault all           the three, one after another

    python benchmarks/rush_faults.py --fault all [--officers 300] [--checks 20] [--workers 2]
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.morning_rush import backend, parser, plan_of  # noqa: E402
from benchmarks.rush import faults  # noqa: E402
from benchmarks.rush.run import Plan, Result, live_server, report, rush  # noqa: E402

FAULTS = ("kill-worker", "restart-pg", "fill-disk")
PHOTO_MB = 1.0  # a stored photo with its derived copies, generously


@contextlib.contextmanager
def staged(name: str, plan: Plan, root: Path, hold: float) -> Iterator[tuple[Plan, faults.Fault, object]]:
    """The server for one fault, and the fault itself."""
    data = root / name
    with contextlib.ExitStack() as stack:
        if name == "restart-pg":
            pg = stack.enter_context(faults.private_postgres())
            plan = Plan(**{**plan.__dict__, "database_url": pg.url})
        photos = None
        if name == "fill-disk":
            size = int(plan.officers * plan.checks * plan.photos * PHOTO_MB) + 64
            photos = faults.mount_photo_disk(data, size)
            stack.callback(faults.unmount_photo_disk, photos)
        server = stack.enter_context(live_server(data, plan))
        if name == "kill-worker":
            if plan.workers < 2:
                raise faults.FaultSetupError("killing a worker needs --workers 2 or more")
            fault = faults.kill_worker(server)
        elif name == "restart-pg":
            fault = faults.restart_postgres(pg)
        else:
            assert photos is not None
            fault = faults.fill_disk(photos, hold)
        yield plan, fault, server


def run_fault(name: str, plan: Plan, hold: float) -> tuple[Result, Plan]:
    with tempfile.TemporaryDirectory(prefix="xuncha-fault-") as tmp:
        with staged(name, plan, Path(tmp), hold) as (plan, fault, server):
            result = asyncio.run(rush(server, plan, fault, progress=print))  # type: ignore[arg-type]
    return result, plan


def server_errors(result: Result) -> int:
    return sum(n for by in result.stats.statuses.values() for status, n in by.items() if status == "500")


def main() -> int:
    p = parser(__doc__ or "")
    p.add_argument("--fault", choices=(*FAULTS, "all"), default="all")
    p.add_argument("--hold", type=float, default=10.0, help="seconds the photo disk stays full")
    args = p.parse_args()
    failed = False
    for name in FAULTS if args.fault == "all" else (args.fault,):
        print(f"== fault: {name}")
        result, plan = run_fault(name, plan_of(args), args.hold)
        for line in report(result, plan, backend(plan.database_url)):
            print(line)
        errors = server_errors(result)
        print(f"answered 500: {errors}")
        failed |= not result.counts.clean or errors > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
