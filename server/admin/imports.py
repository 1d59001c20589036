"""Importing units, users, sites and checklists from XLSX or CSV: all rows or none.

A file is read whole, every row is applied inside one transaction through the same rules
as the API, and any bad row rolls the lot back; the answer then lists every bad row with
its row number (as the spreadsheet shows it: the header is row 1), field and message.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from ..errors import AppError, Invalid, TooLarge, Unsupported
from ..i18n import gettext as _
from . import campaigns as campaign_rules
from . import org
from .registry import Registry

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

# Columns per kind: the first names the record; the template's header row is these.
COLUMNS: dict[str, tuple[str, ...]] = {
    "units": ("code", "name_zh", "name_en", "kind", "parent", "leader_in_charge", "active"),
    "users": ("username", "name", "name_en", "role", "unit", "active"),
    "sites": ("code", "name", "name_en", "kind", "lat", "lon", "unit", "active"),
    "checklists": ("campaign", "code", "text_zh", "text_en", "severity"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "units": ("code", "name_zh", "kind"),
    "users": ("username", "name", "role", "unit"),
    "sites": ("code", "name", "kind", "lat", "lon", "unit"),
    "checklists": ("campaign", "code", "text_zh", "severity"),
}
EXAMPLES: dict[str, tuple[Any, ...]] = {
    "units": (
        "maojian-sanitation",
        "茅箭区环卫科",
        "Maojian Sanitation Section",
        "department",
        "maojian",
        "",
        "true",
    ),
    "users": ("zhang.san", "张三", "Zhang San", "officer", "maojian", "true"),
    "sites": ("renmin-square", "人民广场", "People's Square", "square", 32.6401, 110.7952, "maojian", "true"),
    "checklists": ("sanitation", "san-01", "路面无垃圾、无积水", "No litter or standing water", "major"),
}
KINDS = tuple(COLUMNS)


@dataclass
class Row:
    number: int
    values: dict[str, Any]


def read_rows(kind: str, content: bytes) -> list[Row]:
    if len(content) > MAX_IMPORT_BYTES:
        raise TooLarge(
            _(
                "The file is larger than %(mb)s MB; split it into smaller files.",
                mb=MAX_IMPORT_BYTES // (1024 * 1024),
            )
        )
    if not content:
        raise Invalid(
            _("The file is empty."), errors=[{"row": 0, "field": "", "message": _("The file is empty.")}]
        )
    if content[:4] == b"PK\x03\x04":
        table = _xlsx(content)
    elif content[:4] in (b"%PDF", b"\x89PNG", b"GIF8") or content[:3] == b"\xff\xd8\xff":
        raise Unsupported(_("The file is neither an XLSX workbook nor a CSV file."))
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Unsupported(
            _("This is an old Excel (.xls) file; save it as .xlsx or CSV UTF-8 and import that.")
        )
    else:
        table = _csv(content)
    return _rows(kind, table)


def _xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Unsupported(_("The file is neither an XLSX workbook nor a CSV file.")) from exc
    sheet = book.worksheets[0]
    table: list[list[Any]] = []
    formulas: list[dict[str, Any]] = []
    for r, row in enumerate(sheet.iter_rows(), start=1):
        values = []
        for c, cell in enumerate(row):
            value = cell.value
            if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                formulas.append(
                    {"row": r, "field": f"column {c + 1}", "message": _("A formula; enter the value itself.")}
                )
            values.append(value)
        table.append(values)
        if r > MAX_ROWS + 1:
            break
    book.close()
    if formulas:
        raise Invalid(
            _("The file has formulas; imports take plain values only. Nothing was imported."), errors=formulas
        )
    return table


def _csv(content: bytes) -> list[list[Any]]:
    if b"\x00" in content[:4096]:
        raise Unsupported(_("The file is neither an XLSX workbook nor a CSV file."))
    try:
        text = content.decode("utf-8-sig")  # Chinese Excel writes a BOM; both are fine
    except UnicodeDecodeError as exc:
        raise Unsupported(_("The CSV file is not UTF-8; in Excel choose 'CSV UTF-8' when saving.")) from exc
    table = [row for row in csv.reader(io.StringIO(text))]
    formulas = [
        {"row": r, "field": f"column {c + 1}", "message": _("A formula; enter the value itself.")}
        for r, row in enumerate(table, start=1)
        for c, value in enumerate(row)
        if value.startswith("=")
    ]
    if formulas:
        raise Invalid(
            _("The file has formulas; imports take plain values only. Nothing was imported."), errors=formulas
        )
    return table


def _rows(kind: str, table: list[list[Any]]) -> list[Row]:
    skipped = 0  # blank rows above the header: row numbers stay the spreadsheet's
    while table and not any(v not in (None, "") for v in table[0]):
        table, skipped = table[1:], skipped + 1
    if not table:
        raise Invalid(
            _("The file has no header row."),
            errors=[{"row": 1, "field": "", "message": _("Start with the template's header row.")}],
        )
    header = [str(v).strip().lower() if v is not None else "" for v in table[0]]
    known = COLUMNS[kind]
    problems = [
        {
            "row": 1 + skipped,
            "field": name,
            "message": _("Unknown column; the template's columns are: %(cols)s.", cols=", ".join(known)),
        }
        for name in header
        if name and name not in known
    ]
    problems += [
        {"row": 1 + skipped, "field": name, "message": _("This column is required.")}
        for name in REQUIRED[kind]
        if name not in header
    ]
    if problems:
        raise Invalid(_("The header row does not match the template. Nothing was imported."), errors=problems)
    if len(table) - 1 > MAX_ROWS:
        raise TooLarge(_("At most %(n)s rows per file.", n=MAX_ROWS))
    rows = []
    for number, raw in enumerate(table[1:], start=2 + skipped):
        if not any(v not in (None, "") for v in raw):
            continue
        values = {}
        for name, value in zip(header, raw, strict=False):
            if name:
                values[name] = value.strip() if isinstance(value, str) else value
        rows.append(Row(number, values))
    return rows


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    passwords: list[dict[str, Any]] | None = None

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_json(self, dry_run: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": dry_run,
        }
        if self.passwords:
            body["one_time_passwords"] = self.passwords
        return body


class RowErrors(Invalid):
    pass


async def apply_rows(reg: Registry, kind: str, rows: list[Row]) -> ImportResult:
    result = ImportResult()
    errors: list[dict[str, Any]] = []
    key = COLUMNS[kind][0]
    first_seen: dict[Any, int] = {}
    if kind != "checklists":
        for row in rows:
            code = str(row.values.get(key) or "").strip()
            if code in first_seen:
                errors.append(
                    {
                        "row": row.number,
                        "field": key,
                        "message": _(
                            "Duplicate code %(code)s: also in row %(n)s.", code=code, n=first_seen[code]
                        ),
                    }
                )
            elif code:
                first_seen[code] = row.number
    if kind == "units":
        rows = _parents_first(rows)
    if kind == "checklists":
        await _checklists(reg, rows, result, errors)
    else:
        for row in rows:
            code = str(row.values.get(key) or "").strip()
            data = {k: v for k, v in row.values.items() if k != key}
            if not code:
                errors.append({"row": row.number, "field": key, "message": _("Required; fill it in.")})
                continue
            try:
                if kind == "units":
                    result.count(await org.put_unit(reg, code, data))
                elif kind == "sites":
                    result.count(await campaign_rules.put_site(reg, code, data))
                else:
                    outcome, secret = await org.put_user(reg, code, data)
                    result.count(outcome)
                    if secret:
                        result.passwords = (result.passwords or []) + [secret]
            except AppError as exc:
                errors.extend(_row_errors(row.number, exc))
    if errors:
        errors.sort(key=lambda e: (e["row"], e["field"]))
        raise RowErrors(
            _("%(n)s problem(s) in the file; nothing was imported.", n=len(errors)), errors=errors
        )
    return result


def _row_errors(number: int, exc: AppError) -> list[dict[str, Any]]:
    if not exc.errors:
        return [{"row": number, "field": "", "message": exc.message}]
    return [{"row": number, "field": e.get("field", ""), "message": e.get("message", "")} for e in exc.errors]


def _parents_first(rows: list[Row]) -> list[Row]:
    """Units whose parent is another row of the file come after that row."""
    by_code = {str(r.values.get("code") or ""): r for r in rows}
    ordered: list[Row] = []
    placed: set[int] = set()

    def place(row: Row, trail: set[int]) -> None:
        if row.number in placed or row.number in trail:
            return
        parent = by_code.get(str(row.values.get("parent") or ""))
        if parent is not None and parent is not row:
            place(parent, trail | {row.number})
        placed.add(row.number)
        ordered.append(row)

    for row in rows:
        place(row, set())
    return ordered


async def _checklists(
    reg: Registry, rows: list[Row], result: ImportResult, errors: list[dict[str, Any]]
) -> None:
    # A campaign's rows, in file order, are its whole checklist.
    groups: dict[str, list[Row]] = {}
    for row in rows:
        campaign = str(row.values.get("campaign") or "").strip()
        if not campaign:
            errors.append({"row": row.number, "field": "campaign", "message": _("Required; fill it in.")})
            continue
        groups.setdefault(campaign, []).append(row)
    known = await reg.campaigns()
    for campaign, group in groups.items():
        if campaign not in known:
            errors.extend(
                {
                    "row": row.number,
                    "field": "campaign",
                    "message": _("Unknown campaign %(code)s.", code=campaign),
                }
                for row in group
            )
            continue
        items = [{k: v for k, v in row.values.items() if k != "campaign"} for row in group]
        try:
            outcome, _version = await campaign_rules.put_checklist(reg, campaign, {"items": items})
        except AppError as exc:
            for e in exc.errors:
                # items[3].severity -> the fourth row of this campaign, field severity
                field = e.get("field", "")
                index, _sep, rest = field.partition("].")
                if field.startswith("items[") and index[6:].isdigit():
                    errors.append(
                        {"row": group[int(index[6:])].number, "field": rest, "message": e["message"]}
                    )
                else:
                    errors.append({"row": group[0].number, "field": field, "message": e["message"]})
            continue
        # Counted per campaign: its first version is created, a later one updates it.
        result.count("unchanged" if outcome == "unchanged" else ("created" if _version == 1 else "updated"))


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = kind
    sheet.append(list(COLUMNS[kind]))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(list(EXAMPLES[kind]))
    notes = book.create_sheet("说明 notes")
    notes.append(["column", "required"])
    for name in COLUMNS[kind]:
        notes.append([name, "yes" if name in REQUIRED[kind] else ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
