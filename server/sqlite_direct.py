"""Statements sent straight to the sqlite3 connection of a `Database.write_batch` transaction.

For a small INSERT, SQLAlchemy's work per execution (cache keys, parameter building, result
objects, events) costs several times what SQLite itself spends. The check writer runs the
same few statements for every batch, so on SQLite it sends them on the transaction's own
connection instead: each built once from the table's columns or compiled once by SQLAlchemy,
and every value converted by its column's own bind processor, so that what is stored is
exactly what SQLAlchemy would have stored. The transaction is still the session's: BEGIN
IMMEDIATE, commit and rollback stay with `write_batch`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from .models.base import UTCDateTime

# SQLite refuses a statement with more bound values than this (SQLITE_MAX_VARIABLE_NUMBER is
# 32766 since 3.32; the margin keeps older builds with a larger limit set at compile time safe).
_MAX_VALUES = 30_000

Processor = Callable[[Any], Any] | None


def _processor(column_type: Any, dialect: Dialect) -> Processor:
    process: Processor = column_type._cached_bind_processor(dialect)
    if isinstance(column_type, UTCDateTime) and process is not None:
        # Aware times are most of the values written; the same text in one step, used only if
        # it is the same text for a few telling values.
        samples = (
            datetime(2026, 11, 30, 22, 5, 7, 123456, tzinfo=timezone(timedelta(hours=8))),
            datetime(2026, 1, 1, 0, 0, 0, 0, tzinfo=UTC),
            datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        )
        if all(_utc_text(v) == process(v) for v in samples):
            slow = process

            def fast(value: Any) -> Any:
                if value.__class__ is datetime and value.tzinfo is not None:
                    return _utc_text(value)
                return slow(value)  # a naive time is refused there

            return fast
    return process


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class Inserter:
    """A multi-row INSERT of some columns of a table, with RETURNING.

    A value a row does not give is NULL, except for a column with a Python-side default, which
    every row must give (SQLAlchemy would fill it in; here a missing one is a KeyError, never a
    silent difference).
    """

    def __init__(self, table: Table, columns: Sequence[str], returning: Sequence[str], dialect: Dialect):
        quote = dialect.identifier_preparer.quote
        self.columns = [
            (name, _processor(table.c[name].type, dialect), table.c[name].default is not None)
            for name in columns
        ]
        # Names from the table's definition, values always bound.
        names = ", ".join(quote(c) for c in columns)
        self.head = f"INSERT INTO {quote(table.name)} ({names}) VALUES "  # noqa: S608
        self.placeholders = "(" + ", ".join("?" * len(columns)) + ")"
        self.tail = f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""
        self.rows_per_statement = max(1, _MAX_VALUES // len(columns))
        self._by_rows: dict[int, str] = {}

    def _sql(self, rows: int) -> str:
        sql = self._by_rows.get(rows)
        if sql is None:
            sql = self.head + ", ".join([self.placeholders] * rows) + self.tail
            if len(self._by_rows) < 256:
                self._by_rows[rows] = sql
        return sql

    def values(self, row: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, process, required in self.columns:
            value = row[name] if required else row.get(name)
            out.append(value if process is None or value is None else process(value))
        return out

    def insert(self, connection: Any, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Insert the rows; the RETURNING columns of each, in no particular order."""
        returned: list[tuple[Any, ...]] = []
        step = self.rows_per_statement
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            params: list[Any] = []
            for row in chunk:
                params.extend(self.values(row))
            cursor = connection.execute(self._sql(len(chunk)), params)
            returned.extend(cursor.fetchall())
            cursor.close()
        return returned


class Statement:
    """A Core statement compiled once for SQLite, executed for many rows (no result)."""

    def __init__(self, statement: ClauseElement, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        assert compiled.positiontup is not None
        self.sql = compiled.string
        self.binds = [(name, _processor(compiled.binds[name].type, dialect)) for name in compiled.positiontup]

    def executemany(self, connection: Any, rows: Iterable[Mapping[str, Any]]) -> None:
        params = [
            tuple(
                row[name] if process is None or row[name] is None else process(row[name])
                for name, process in self.binds
            )
            for row in rows
        ]
        if params:
            connection.executemany(self.sql, params)
