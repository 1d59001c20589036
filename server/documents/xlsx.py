"""Spreadsheets (XLSX, openpyxl) for bulletins and exports: one sheet per table, typed cells.

Numbers are stored as numbers and times as dates, so a reader can sum, sort and filter them in
Excel or WPS without converting text first. The workbook is written in openpyxl's write-only
mode: rows stream out as they come, so an export of many rows holds only a few in memory.
"""

from __future__ import annotations

import enum
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .dates import CHINA_TZ

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"
# Column widths are fitted to the header and this many rows: enough to judge, few enough to buffer.
FIT_ROWS = 200
MAX_WIDTH = 60
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
_SHEET_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
_HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Column:
    title: str
    width: float | None = None  # in characters; None fits it to the header and the first rows
    number_format: str | None = None  # for example "0.0%"; dates and times get theirs by default


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column | str]
    rows: Iterable[Sequence[Any]]


def display_width(text: str) -> int:
    """Width in Excel's character units: a CJK (wide or full-width) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell_value(value: Any, zone: tzinfo) -> tuple[Any, str | None]:
    """The value as openpyxl stores it, and the number format it needs (None: the default)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, bool):
        return value, None
    if isinstance(value, int | Decimal):
        return value, None
    if isinstance(value, float):
        return (value if math.isfinite(value) else None), None  # Excel has no NaN or infinity
    if isinstance(value, datetime):
        # Excel has no time zones: aware times are written in the bureau's local time.
        local = value.astimezone(zone).replace(tzinfo=None) if value.tzinfo else value
        return local, DATETIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, time):
        return value.replace(tzinfo=None), TIME_FORMAT
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_CHARS], None


def _text_width(value: Any, number_format: str | None) -> int:
    if value is None:
        return 0
    if number_format in (DATETIME_FORMAT, DATE_FORMAT, TIME_FORMAT):
        return len(number_format)
    if isinstance(value, str):
        return max((display_width(line) for line in value.splitlines()), default=0)
    return len(f"{value:,}" if isinstance(value, int) else str(value))


def _unique_title(title: str, taken: set[str]) -> str:
    base = (title.translate(_SHEET_TITLE_FORBIDDEN).strip("'") or "Sheet")[:31]
    candidate, n = base, 1
    while candidate.lower() in taken:  # Excel compares sheet names case-insensitively
        n += 1
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _write_sheet(ws: Any, sheet: Sheet, zone: tzinfo) -> None:
    columns = [c if isinstance(c, Column) else Column(str(c)) for c in sheet.columns]
    rows = iter(sheet.rows)
    head = [[_cell_value(v, zone) for v in row] for row in islice(rows, FIT_ROWS)]
    # Column widths and the frozen header must be set before the first row is written.
    for index, column in enumerate(columns, start=1):
        width = column.width
        if width is None:
            seen = [display_width(column.title)]
            seen += [_text_width(*row[index - 1]) for row in head if len(row) >= index]
            width = min(max(seen) + 2, MAX_WIDTH)
        ws.column_dimensions[get_column_letter(index)].width = max(width, 6)
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"

    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", column.title))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        header.append(cell)
    ws.append(header)

    rest = ([_cell_value(v, zone) for v in row] for row in rows)
    for row in chain(head, rest):
        cells = []
        for index, (value, default_format) in enumerate(row):
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                # Typed text is text: "=SUM(...)" or "+86..." must never become a formula.
                cell.data_type = "s"
            number_format = columns[index].number_format if index < len(columns) else None
            if number_format or default_format:
                cell.number_format = number_format or default_format
            cells.append(cell)
        ws.append(cells)


def workbook_bytes(sheets: Iterable[Sheet], *, zone: tzinfo = CHINA_TZ) -> bytes:
    """An .xlsx file with one sheet per table, each with a bold, frozen, filterable header row."""
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for sheet in sheets:
        _write_sheet(book.create_sheet(_unique_title(sheet.title, taken)), sheet, zone)
    if not taken:
        raise ValueError("a workbook needs at least one sheet")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
