"""Helpers for the complaint tests: drive a complaint through Complaints API v1 as the office and
the unit would, and set a complaint's receipt time where a test needs a fixed calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from conftest import new_uuid, recent_time
from server.db import Database
from server.models import Complaint
from tests.helpers_findings import auth, future

PHONE = "13907190123"
NAME = "李秀英"


def complaint_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "hotline_12319",
        "received_at": recent_time(120),
        "content": "人民路菜市场门口垃圾桶满溢两天无人清运",
        "campaign": "sanitation",
        "location": {"lat": 32.6301, "lon": 110.7990},
        "address": "人民路菜市场",
        "complainant": {"name": NAME, "phone": PHONE},
    }
    body.update(overrides)
    return body


async def record(client: Any, **overrides: Any) -> str:
    uuid = new_uuid()
    response = await client.put(
        f"/api/v1/complaints/{uuid}", json=complaint_body(**overrides), headers=await auth(client, "office")
    )
    assert response.status_code == 201, response.text
    return uuid


async def step(client: Any, uuid: str, action: str, username: str = "office", **body: Any) -> Any:
    response = await client.post(
        f"/api/v1/complaints/{uuid}/{action}", json=body, headers=await auth(client, username)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def assign(client: Any, uuid: str, unit: str = "sanitation-office") -> Any:
    return await step(client, uuid, "assign", unit=unit, deadline=future(5))


async def investigate(client: Any, uuid: str, username: str = "handler") -> Any:
    return await step(client, uuid, "investigate", username, result="已清运，并督促保洁员每日两次巡查")


async def visit(client: Any, uuid: str, outcome: str) -> Any:
    extra = {"deadline": future(3)} if outcome == "unsatisfied" else {}
    return await step(client, uuid, "return-visit", outcome=outcome, note="电话回访", **extra)


async def settled(
    client: Any, unit: str, *, handler: str = "handler", campaign: str = "sanitation"
) -> dict[str, Any]:
    """A complaint assigned to `unit`, investigated, called back satisfied and closed: the close's answer."""
    uuid = await record(client, campaign=campaign)
    await assign(client, uuid, unit)
    await investigate(client, uuid, handler)
    await visit(client, uuid, "satisfied")
    return await step(client, uuid, "close")


async def received_at(db: Database, uuid: str, moment: datetime) -> None:
    async with db.write() as session:
        await session.execute(update(Complaint).where(Complaint.uuid == uuid).values(received_at=moment))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)
