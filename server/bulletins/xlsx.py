"""A bulletin as an XLSX workbook, drawn from its stored figures only: a first sheet saying what
the bulletin is, then one sheet per table, numbers as numbers (rates as shares shown in %)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..documents.xlsx import Column, Sheet, workbook_bytes
from .sections import outline

FORMATS = {"rate": "0.0%", "score": "0.00", "int": "0"}


def _value(value: Any, kind: str) -> Any:
    if kind == "time" and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def render_bulletin_xlsx(
    figures: dict[str, Any], *, timezone: str, published: tuple[str, datetime] | None
) -> bytes:
    zone = ZoneInfo(timezone)
    about = [
        ["标题", figures["title"]],
        ["统计期间", figures["period"]],
        ["专项整治", figures["campaign"]["name_zh"] if figures["campaign"] else "全局"],
        ["期间开始", datetime.fromisoformat(figures["start"]).astimezone(zone).date()],
        ["期间结束", (datetime.fromisoformat(figures["end"]).astimezone(zone) - timedelta(days=1)).date()],
        ["数据截至", datetime.fromisoformat(figures["generated_at"])],
        ["状态", "已发布" if published else "草稿"],
    ]
    if published:
        about += [["发布人", published[0]], ["发布时间", published[1]]]
    sheets = [Sheet("说明", [Column("项目", width=18), Column("内容", width=50)], about)]
    for _key, _heading, tables in outline(figures):
        for table in tables:
            columns = [Column(c.title, number_format=FORMATS.get(c.kind)) for c in table.columns]
            rows = [
                [_value(value, column.kind) for value, column in zip(row, table.columns, strict=True)]
                for row in table.rows
            ]
            sheets.append(Sheet(table.title, columns, rows))
    return workbook_bytes(sheets, zone=zone)
