"""The periodic deadline sweep, one of the server's periodic tasks.

The task runner gives it to one server process per interval; even if two swept at the
same moment, the sweep's UPDATE claims each overdue finding for exactly one of them
(see escalation.escalate_overdue), so an escalation is never sent twice.
"""

from __future__ import annotations

import logging

from ..tasks import PeriodicTask
from .workflow import Workflow

log = logging.getLogger("xuncha.deadlines")

DEADLINE_SWEEP = "deadline-sweep"


def deadline_sweep(workflow: Workflow, every_seconds: float) -> PeriodicTask:
    async def sweep() -> int:
        escalated = await workflow.sweep_deadlines()
        if escalated:
            log.info("escalated %d overdue findings to their leads", len(escalated))
        return len(escalated)

    return PeriodicTask(DEADLINE_SWEEP, every_seconds, sweep)
