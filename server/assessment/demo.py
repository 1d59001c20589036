"""The assessment's part of `xuncha demo --history` (one of demo.history's HISTORY_RECORDERS): for
last month's ratings the office issues a rectification notice to the lowest-rated unit, which
answers it with a PDF, records an interview with that unit's head, and praises the best-rated unit,
each through the services, so the results, the notices and the bulletins have something to show.
A unit whose rating does not call for the record gets it with the office's reason, as the rules ask."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..documents.uploads import DocumentStore, check_document
from ..duties.demo import document
from ..models import Role, User
from .consequence_rules import Rules
from .consequences import ConsequenceService
from .evaluations import EvaluationService
from .notices import NOTICE_DOCUMENTS, UnitNoticeService
from .periods import parse_period
from .scores import ScoreService

DEMO_REASON = "演示数据：按本期相对排名处理"


def previous_month(history: Any) -> str:
    first = history.clock.now.astimezone(history.zone).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


async def record_consequences_history(history: Any) -> str:
    settings, db = history.settings, history.db
    scores = ScoreService(db, settings, EvaluationService(db, settings))
    rules = Rules(scores)
    notices = UnitNoticeService(db, rules, DocumentStore(settings.document_dir))
    consequences = ConsequenceService(db, rules, notices)
    office = history.users["office"]
    handlers: dict[int, User] = {
        u.unit_id: u
        for u in sorted(history.users.values(), key=lambda u: u.username)
        if u.role == Role.handler
    }
    period = parse_period(previous_month(history))
    answerable = [u for u in await scores.visible_units(office) or [] if u.id in handlers]
    if not answerable:
        return "no unit to rate: no notice, interview or praise"
    by_code = {u.code: u for u in answerable}
    rows = [r for r in await scores.scores(answerable, period) if r["unit"] in by_code]
    ranked = sorted(
        rows, key=lambda r: r["composite"]["value"] if r["composite"]["value"] is not None else -1
    )
    lowest, highest = ranked[0], ranked[-1]
    unit = by_code[lowest["unit"]]
    already = await consequences.for_period(period, {unit.id})
    if already["notices"]:
        return "the assessment's records are there already"
    now = history.clock.now

    def reason(row: dict[str, Any], wanted: str) -> dict[str, str]:
        return {} if row["rating"] == wanted else {"override_reason": DEMO_REASON}

    notice = await notices.issue(
        office,
        {
            "period": period.key,
            "unit": unit.code,
            "deadline": (now + timedelta(days=14)).astimezone(history.zone).date().isoformat(),
            **reason(lowest, "unqualified"),
        },
    )
    handler = handlers[unit.id]
    pdf = document(f"Rectification report {notice.number}", unit.name_en)
    answer = check_document(
        pdf,
        "整改报告.pdf",
        NOTICE_DOCUMENTS,
        settings.max_document_bytes,
        field="document",
        fallback="document",
    )
    text = "已对照通知书逐项整改，整改报告见附件。"
    await notices.answer(handler, notice.id, {"answer": text}, answer)
    await consequences.interview(
        office,
        {
            "period": period.key,
            "unit": unit.code,
            "held_at": history.local(now - timedelta(days=2)),
            "interviewee": f"{unit.name_zh}主要负责人",
            "interviewers": "督查室主任",
            "summary": "通报本期考核结果，指出问题，要求限期整改并报送整改报告。",
            "follow_up": "督查室跟踪整改进度。",
        },
    )
    best = by_code[highest["unit"]]
    await consequences.praise(
        office,
        {
            "period": period.key,
            "unit": best.code,
            "text": f"{best.name_zh}在{period.key}考核中成绩突出，予以通报表扬。",
            **reason(highest, "excellent"),
        },
    )
    return f"a rectification notice to {unit.code} answered, an interview, praise for {best.code} in {period.key}"
