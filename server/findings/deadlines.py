"""The periodic deadline sweep that every server process runs itself.

Several workers may sweep at the same moment; the sweep's UPDATE claims each overdue
finding for exactly one of them (see Workflow.sweep_deadlines), so an escalation is
never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import random

from .workflow import Workflow

log = logging.getLogger("xuncha.deadlines")


class DeadlineSweeper:
    def __init__(self, workflow: Workflow, every_seconds: int) -> None:
        self.workflow = workflow
        self.every = every_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="xuncha-deadline-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        # Workers started together spread out, rather than sweeping in lockstep.
        await asyncio.sleep(random.uniform(0, min(self.every, 10)))
        while True:
            try:
                escalated = await self.workflow.sweep_deadlines()
                if escalated:
                    log.info("escalated %d overdue findings to their leads", len(escalated))
            except Exception:  # a failed sweep is retried next time; the server keeps serving
                log.exception("deadline sweep failed")
            await asyncio.sleep(self.every)
