"""Periodic tasks shared out among the server's processes through lease rows."""

from .background import cancel_and_wait
from .runner import PeriodicTask, TaskRunner

__all__ = ["PeriodicTask", "TaskRunner", "cancel_and_wait"]
