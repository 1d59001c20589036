"""Reading an administration body field by field, every problem named with its field.

The same reader serves the JSON API, the office's forms and each row of an import, so a
rule is written once and its message reads the same everywhere.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from ..checks.schemas import Errors
from ..i18n import gettext as _

CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


def code_problem(value: str) -> str | None:
    if not CODE.match(value):
        return _("A code is 1-40 characters: lowercase letters, digits, dot, underscore, hyphen.")
    return None


def coded_body(data: Any, known: set[str], code: str, name_key: str) -> tuple[Body, str, str]:
    """The body of the record `code`: the code checked, a name required, the English one defaulting to it."""
    body = Body(data, known)
    problem = code_problem(code)
    if problem:
        body.errors.add("code", problem)
    name = body.text(name_key, 120, required=True)
    return body, name, body.text("name_en", 160) or name


class Body:
    """A JSON object (or a form, or an import row as a dict) read against its known fields."""

    def __init__(self, data: Any, known: set[str], errors: Errors | None = None) -> None:
        self.errors = errors or Errors()
        if not isinstance(data, dict):
            self.errors.add("", _("The body must be a JSON object."))
            data = {}
        self.data = data
        for key in data:
            if key not in known:
                self.errors.add(str(key)[:40], _("Unknown field."))

    def has(self, name: str) -> bool:
        return name in self.data

    def text(self, name: str, limit: int, *, required: bool = False) -> str:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.errors.add(name, _("Required; fill it in."))
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.errors.add(name, _("Must be text."))
            return ""
        value = value.strip()
        if len(value) > limit:
            self.errors.add(
                name, _("Too long: %(length)s characters; at most %(limit)s.", length=len(value), limit=limit)
            )
            return ""
        if "\x00" in value:
            self.errors.add(name, _("Contains a character that is not allowed."))
            return ""
        return value

    def choice(self, name: str, allowed: Any, *, required: bool = True) -> str | None:
        value = self.text(name, 40, required=required)
        if not value:
            return None
        if value not in allowed:
            self.errors.add(
                name,
                _("Unknown value %(value)s; one of: %(allowed)s.", value=value, allowed=", ".join(allowed)),
            )
            return None
        return value

    def ref(self, name: str, *, required: bool = False) -> str | None:
        """A code or username naming another record; whether it exists is checked by the caller."""
        value = self.text(name, 40, required=required)
        return value or None

    def flag(self, name: str, default: bool = True) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        self.errors.add(name, _("Must be true or false."))
        return default

    def number(self, name: str, low: float, high: float, message: str) -> float | None:
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.errors.add(name, message)
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number) or not low <= number <= high:
            self.errors.add(name, message)
            return None
        return number

    def day(self, name: str) -> date | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, date):
            return value if not hasattr(value, "date") else value.date()  # type: ignore[attr-defined]
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10])
            except ValueError:
                pass
        self.errors.add(name, _("Give a date like 2026-03-01."))
        return None


TRUE_WORDS = {"true", "1", "yes", "y", "是", "在用", "active"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "停用", "retired"}
