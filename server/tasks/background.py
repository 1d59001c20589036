"""Stopping the background loops a server process runs (the check writer, the photo workers,
the periodic tasks) when it shuts down, and lowering the priority of background threads."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Iterable


async def cancel_and_wait(tasks: Iterable[asyncio.Task[None] | None]) -> None:
    """Cancel every task first, then wait for each to end, so none outlives the shutdown."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def lower_thread_priority(niceness: int = 10) -> None:
    """A thread pool's initializer: its threads yield the CPU to the ones answering requests.
    On Linux the nice value belongs to the thread; elsewhere it would slow the whole process,
    so it is left alone."""
    if sys.platform == "linux":
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        except OSError:
            pass
