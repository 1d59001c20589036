"""The complainant's name and phone reach the office and no one else: a full scenario is run, every
role reads everything it can after each step, and every response body is searched."""

from __future__ import annotations

import logging
import re

from sqlalchemy import text

from conftest import csrf_from, new_uuid
from server.db import Database
from tests.helpers_complaints import NAME, PHONE, assign, investigate, record, step, visit
from tests.helpers_findings import auth

ROLES = ("officer", "supervisor", "lead", "lead-muck", "handler", "handler-muck", "office")


async def test_the_complainants_contact_reaches_the_office_only(client, settings, caplog):
    caplog.set_level(logging.INFO)  # as the server runs; drivers log parameters only at DEBUG
    seen: list[tuple[str, str, str]] = []

    async def read_everything(uuid: str) -> None:
        for username in ROLES:
            headers = await auth(client, username)
            for url in (
                "/api/v1/complaints",
                "/api/v1/complaints?late=1",
                f"/api/v1/complaints/{uuid}",
                "/api/v1/unit/complaints",
                "/api/v1/indicators/complaints?month=2026-11",
                "/api/v1/indicators/complaints?month=2026-11&campaign=sanitation",
                "/api/v1/indicators/complaints?month=2026-11&unit=sanitation-office",
                "/complaints",
                f"/complaints/{uuid}",
                "/api/v1/findings",
                "/desk",
                "/office",
                "/unit",
            ):
                response = await client.get(url, headers=headers)
                assert response.status_code < 500, (username, url, response.text)
                seen.append((username, url, response.text))

    uuid = await record(client)
    await read_everything(uuid)
    await assign(client, uuid)
    await read_everything(uuid)
    answer = await client.put(
        f"/api/v1/complaints/{uuid}/answers/{new_uuid()}",
        json={"result": "已清运"},
        headers=await auth(client, "handler"),
    )
    seen.append(("handler", "answer", answer.text))
    seen.append(("office", "visit", str(await visit(client, uuid, "unsatisfied"))))
    await read_everything(uuid)
    await investigate(client, uuid)
    await visit(client, uuid, "satisfied")
    closed = await step(client, uuid, "close")
    await read_everything(uuid)
    rate_page = await client.get(closed["rating_url"])
    seen.append(("anonymous", "rate", rate_page.text))
    rated = await client.post(
        closed["rating_url"], data={"outcome": "satisfied", "comment": "", "_csrf": csrf_from(rate_page.text)}
    )
    seen.append(("anonymous", "rated", rated.text))

    office_bodies = [body for username, _url, body in seen if username == "office"]
    assert any(PHONE in body for body in office_bodies)
    assert any(NAME in body for body in office_bodies)
    leaks = [(u, url) for u, url, body in seen if u != "office" and (PHONE in body or NAME in body)]
    assert leaks == []
    # The unit and the lead do read the complaint itself, so the search above looked where it could leak.
    assert any(u == "handler" and "人民路菜市场" in body for u, _url, body in seen)
    assert any(u == "lead" and "人民路菜市场" in body for u, _url, body in seen)

    assert not any(PHONE in r.getMessage() or NAME in r.getMessage() for r in caplog.records)
    db = Database(settings)
    try:
        async with db.read() as session:
            trail = (await session.execute(text("SELECT data FROM audit_entries"))).scalars().all()
    finally:
        await db.dispose()
    assert trail and not any(PHONE in row or NAME in row for row in trail)
    assert not re.search(r"1390719\d{4}", " ".join(trail))
