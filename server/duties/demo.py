"""The duties' part of `xuncha demo --history` (one of demo.history's HISTORY_RECORDERS): the units
answer this year's duties that are already due, most on time, one in four late, one in four not
at all, so the office's matrix has every status to show."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from reportlab.pdfgen import canvas

from ..models import Role
from .answers import AnswerService
from .service import DutyService


def document(title: str, unit: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=1)
    page.drawString(72, 760, title)
    page.drawString(72, 740, unit)
    page.showPage()
    page.save()
    return out.getvalue()


async def record_duties_history(history: Any) -> str:
    duties = DutyService(history.db, history.settings, scores=None)
    answers = AnswerService(history.db, history.settings, duties)
    now = history.clock.now
    handlers = sorted((u for u in history.users.values() if u.role == Role.handler), key=lambda u: u.username)
    added = 0
    for view in await duties.views(history.users["office"], year=duties.current_year(), now=now):
        if view.deadline > now:
            continue  # not due yet: the units are still at it
        for n, user in enumerate(handlers):
            if view.answer_of(user.unit_id) is None or n % 4 == 3:
                continue
            late = n % 4 == 2
            history.clock.at(view.deadline + (timedelta(days=6) if late else -timedelta(days=12 - n)))
            target = await answers.target(user, view.duty.id, user.unit.code)
            content = document(view.duty.title_en, user.unit.name_en)
            status, _answer = await answers.answer(user, target, content, f"{view.duty.code}.pdf")
            added += status == 201
    history.clock.at(now)
    return f"{added} answers to the year's duties"
