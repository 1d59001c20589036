"""The sections of a bulletin, in one place: how each is computed and how it is shown as tables.

`SECTIONS` is the bulletin's outline. Each section has a key (its place in the stored figures),
its heading, a builder that computes its data (given what the sections before it computed, so
praise and criticism read the ranking), and a function turning that data into tables. The page,
the PDF and the XLSX all draw those tables from the stored figures, so a section added here (the
consequences of the ratings, say) appears in all three, and a published bulletin never changes.

Bulletins are official documents of the bureau: their headings and tables are in Chinese.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import accountability, figures
from .figures import Scope, Sources

KIND_ZH = {"patrol": "日常巡查", "unannounced": "暗访检查", "open": "公开检查", "recheck": "复查"}
SEVERITY_ZH = {"minor": "一般", "major": "较重", "critical": "严重"}
RATING_ZH = {"excellent": "优秀", "qualified": "合格", "unqualified": "不合格", None: "无数据"}
PARTS_ZH = {
    "third_party": "第三方监督",
    "service_recipient": "服务对象测评",
    "democratic": "集中民主评议",
    "routine": "平时工作评价",
}
FINDING_COUNTS_ZH = {"opened": "发现问题", "rectified": "已整改", "closed": "已办结", "overdue": "超期未整改"}
HANDLING_ZH = {
    "handling_rate": "处置率",
    "on_time_rate": "按期处置率",
    "rework_rate": "返工率",
    "closure_rate": "结案率",
}
COMPLAINTS_ZH = {
    "investigation_rate": "调查处理率",
    "return_visit_rate": "回访率",
    "completion_rate": "办结率",
    "satisfaction_rate": "满意率",
}


@dataclass(frozen=True)
class Column:
    title: str
    # text, int, score (a number out of 100), rate (a share: 0.625 shows as 62.5%) or time (ISO)
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: list[list[Any]]
    # For notable cases: per row, the before and after photos ({"uuid", "sha256"}).
    photos: list[tuple[dict[str, str], dict[str, str]]] = field(default_factory=list)


Builder = Callable[[Sources, Scope, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    build: Builder
    tables: Callable[[dict[str, Any]], list[Table]]


def _text(name: str) -> Column:
    return Column(name)


def _ints(names: Any) -> tuple[Column, ...]:
    return tuple(Column(name, "int") for name in names)


def _checks_tables(data: dict[str, Any]) -> list[Table]:
    kinds = list(KIND_ZH)
    rows = [[row["campaign_zh"], *(row[k] for k in kinds), row["total"]] for row in data["rows"]]
    rows.append(["合计", *(data["total"][k] for k in kinds), data["total"]["total"]])
    return [Table("检查开展情况", (_text("专项整治"), *_ints([*KIND_ZH.values(), "合计"])), rows)]


def _findings_tables(data: dict[str, Any]) -> list[Table]:
    keys = list(FINDING_COUNTS_ZH)
    counts = _ints(FINDING_COUNTS_ZH.values())
    by_campaign = [[row["campaign_zh"], *(row[k] for k in keys)] for row in data["by_campaign"]]
    by_campaign.append(["合计", *(data["total"][k] for k in keys)])
    by_unit = [[row["unit_zh"], *(row[k] for k in keys)] for row in data["by_unit"]]
    return [
        Table("问题发现和整改情况（按专项整治）", (_text("专项整治"), *counts), by_campaign),
        Table("问题发现和整改情况（按责任单位）", (_text("责任单位"), *counts), by_unit),
    ]


def _rate_rows(data: dict[str, Any], names: dict[str, str]) -> list[list[Any]]:
    return [
        [name, data[key]["numerator"], data[key]["denominator"], data[key]["value"]]
        for key, name in names.items()
    ]


RATE_COLUMNS = (_text("指标"), Column("分子", "int"), Column("分母", "int"), Column("比率", "rate"))


def _handling_tables(data: dict[str, Any]) -> list[Table]:
    rows = _rate_rows(data, HANDLING_ZH)
    rows.append(["超期未整改（件）", data["overdue"], None, None])
    return [Table("办理指标", RATE_COLUMNS, rows)]


def _complaint_tables(data: dict[str, Any]) -> list[Table]:
    rows = [["受理投诉（件）", data["received"], None, None], *_rate_rows(data, COMPLAINTS_ZH)]
    return [Table("投诉办理指标", RATE_COLUMNS, rows)]


def _overdue_tables(data: dict[str, Any]) -> list[Table]:
    columns = (
        _text("通知书编号"),
        _text("专项整治"),
        _text("责任单位"),
        _text("严重程度"),
        Column("整改期限", "time"),
        Column("超期天数", "int"),
    )
    rows = [
        [
            row["notice_number"] or f"#{row['finding']}",
            row["campaign_zh"],
            row["unit_zh"],
            SEVERITY_ZH.get(row["severity"], row["severity"]),
            row["deadline"],
            row["days_late"],
        ]
        for row in data["rows"]
    ]
    title = f"超期未整改问题清单（共{data['total']}件，列出超期最久的{len(rows)}件）"
    return [Table(title, columns, rows)]


def _ranking_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [row["rank"], row["unit_zh"], row["composite"], *(row[p] for p in PARTS_ZH), RATING_ZH[row["rating"]]]
        for row in rows
    ]


RANKING_COLUMNS = (
    Column("名次", "int"),
    _text("单位"),
    Column("综合得分", "score"),
    *(Column(name, "score") for name in PARTS_ZH.values()),
    _text("等次"),
)


def _ranking_tables(data: dict[str, Any]) -> list[Table]:
    return [Table("单位考评排名", RANKING_COLUMNS, _ranking_rows(data["rows"]))]


def _rated(rating: str) -> Builder:
    async def build(src: Sources, scope: Scope, built: dict[str, Any]) -> dict[str, Any]:
        return {"rows": [row for row in built["ranking"]["rows"] if row["rating"] == rating]}

    return build


def _units_table(title: str) -> Callable[[dict[str, Any]], list[Table]]:
    def tables(data: dict[str, Any]) -> list[Table]:
        return [Table(title, RANKING_COLUMNS, _ranking_rows(data["rows"]))]

    return tables


def _cases_tables(data: dict[str, Any]) -> list[Table]:
    columns = (_text("专项整治"), _text("责任单位"), _text("问题"), Column("办结时间", "time"))
    rows = [[row["campaign_zh"], row["unit_zh"], row["item_zh"], row["closed_at"]] for row in data["rows"]]
    photos = [(row["before"], row["after"]) for row in data["rows"]]
    return [Table("典型案例（整改前后对比）", columns, rows, photos)]


def _responsibility_tables(data: dict[str, Any]) -> list[Table]:
    columns = (
        _text("单位"),
        Column("主体责任", "score"),
        _text("等次"),
        _text("上级主管单位"),
        Column("行业监管责任", "score"),
        _text("片区联系指导责任（联系领导）"),
    )
    rows = [
        [
            row["unit_zh"],
            row["own"],
            RATING_ZH[row["rating"]],
            row["parent_zh"],
            row["sector"],
            "；".join(
                f"{c['name_zh']} {c['value']:.2f}" if c["value"] is not None else f"{c['name_zh']} —"
                for c in row["contact"]
            )
            or None,
        ]
        for row in data["rows"]
    ]
    return [Table("三考核结果（通报本单位及上级单位）", columns, rows)]


def _day(value: str | None) -> str | None:
    return value[:10] if value else None


def _consequence_tables(data: dict[str, Any]) -> list[Table]:
    columns = (_text("措施"), _text("单位"), _text("内容"), _text("日期"))
    rows = [
        *(
            [
                "整改通知书",
                n["unit"]["name"],
                f"{n['number']}，整改期限 {n['deadline'][:10]}",
                _day(n["issued_at"]),
            ]
            for n in data["notices"]
        ),
        *(
            ["约谈", i["unit"]["name"], f"约谈对象：{i['interviewee']}；{i['summary']}", _day(i["held_at"])]
            for i in data["interviews"]
        ),
        *(
            ["取消评先资格", e["unit"]["name"], f"{e['year']}年度：{e['reason']}", _day(e["recorded_at"])]
            for e in data["eligibility_losses"]
        ),
        *(["通报表彰", p["unit"]["name"], p["text"], _day(p["recorded_at"])] for p in data["praises"]),
    ]
    return [Table("检查结果运用（整改通知、约谈、取消评先资格、表彰）", columns, rows)]


def _plain(build: Callable[[Sources, Scope], Awaitable[dict[str, Any]]]) -> Builder:
    async def wrapped(src: Sources, scope: Scope, built: dict[str, Any]) -> dict[str, Any]:
        return await build(src, scope)

    return wrapped


SECTIONS: tuple[Section, ...] = (
    Section("checks", "检查开展情况", _plain(figures.checks_made), _checks_tables),
    Section("findings", "问题发现和整改情况", _plain(figures.findings), _findings_tables),
    Section("handling", "办理指标", _plain(figures.handling), _handling_tables),
    Section("complaints", "投诉办理情况", _plain(figures.complaints), _complaint_tables),
    Section("overdue", "超期未整改问题", _plain(figures.overdue), _overdue_tables),
    Section("ranking", "单位考评排名", _plain(figures.ranking), _ranking_tables),
    Section("praise", "通报表扬", _rated("excellent"), _units_table("通报表扬单位（考评优秀）")),
    Section("criticism", "通报批评", _rated("unqualified"), _units_table("通报批评单位（考评不合格）")),
    Section("cases", "典型案例", _plain(figures.cases), _cases_tables),
    Section("responsibility", "三考核两通报", _plain(accountability.responsibility), _responsibility_tables),
    Section("consequences", "检查结果运用", _plain(accountability.consequences), _consequence_tables),
)


async def build_sections(src: Sources, scope: Scope) -> dict[str, Any]:
    built: dict[str, Any] = {}
    for section in SECTIONS:
        built[section.key] = await section.build(src, scope, built)
    return built


def outline(stored: dict[str, Any]) -> list[tuple[str, str, list[Table]]]:
    """The stored figures as (key, heading, tables), in the order of SECTIONS; a section the
    figures do not hold (added after the bulletin was published) is left out."""
    sections = stored["sections"]
    return [(s.key, s.heading, s.tables(sections[s.key])) for s in SECTIONS if s.key in sections]


DIGITS = "一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 to 99 as a section is numbered in a Chinese document: 一 … 十, 十一, 二十, 二十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else DIGITS[tens - 1] + "十")
    return head + (DIGITS[ones - 1] if ones else "")


def cell_text(value: Any, kind: str, timezone: Any = None) -> str:
    """A figure as the page and the PDF print it; a missing one (no data) as a dash."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "score":
        return f"{value:.2f}"
    if kind == "time":
        moment = datetime.fromisoformat(value)
        return (moment.astimezone(timezone) if timezone else moment).strftime("%Y-%m-%d")
    return str(value)
