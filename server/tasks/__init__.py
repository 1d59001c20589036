"""Periodic tasks shared out among the server's processes through lease rows."""

from .runner import PeriodicTask, TaskRunner

__all__ = ["PeriodicTask", "TaskRunner"]
