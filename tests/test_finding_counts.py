"""The running counts behind the desk's figures equal a plain recount after every kind of change.

The desk reads a campaign's month figures and its all-time counts by status from counts kept
in the transaction of each change (server/findings/counts.py). Here every kind of change is
made the way people make it (the sync API, the findings API, the deadline sweep), and after
each one the kept counts must equal the counts made again from the findings, and every figure
the indicators give must equal the same figure counted from the findings themselves.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers_findings import (
    assign,
    auth,
    covert_finding,
    merge,
    new_finding,
    rectify,
    update_finding,
    verify,
)
from sqlalchemy import select, update

from server.assessment.indicators import IndicatorService
from server.db import Database
from server.findings.counts import FIGURES, KEY, rebuild
from server.findings.workflow import Workflow
from server.models import Campaign, Finding, FindingCount, Unit

pytestmark = pytest.mark.anyio


@pytest.fixture
async def db(settings):
    """The test's own handle on the app's database (the app's pool belongs to its own loop)."""
    database = Database(settings)
    yield database
    await database.dispose()


async def kept_counts(db: Database) -> dict[tuple[Any, ...], tuple[int, ...]]:
    async with db.read() as session:
        rows = (await session.execute(select(FindingCount))).scalars().all()
    return {
        tuple(getattr(r, k) for k in KEY): tuple(getattr(r, f) for f in FIGURES)
        for r in rows
        if any(getattr(r, f) for f in FIGURES)  # a row counted down to nothing is no count
    }


async def recounted(db: Database) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The counts made again from the findings, in a transaction that is then rolled back."""
    zone = ZoneInfo(db.settings.timezone)
    async with db.engine.connect() as conn:
        await conn.run_sync(lambda c: rebuild(c, zone))
        rows = (await conn.execute(select(*(FindingCount.__table__.c[k] for k in (*KEY, *FIGURES))))).all()
        await conn.rollback()
    return {tuple(r[: len(KEY)]): tuple(r[len(KEY) :]) for r in rows}


async def ids(db: Database) -> dict[str, int]:
    async with db.read() as session:
        campaigns = dict((await session.execute(select(Campaign.code, Campaign.id))).all())
        units = dict((await session.execute(select(Unit.code, Unit.id))).all())
    return {
        "sanitation": campaigns["sanitation"],
        "muck": campaigns["muck"],
        "unit": units["sanitation-office"],
    }


async def assert_exact(db: Database, now: datetime | None = None) -> IndicatorService:
    """Kept counts == recounted counts, and every figure read from them == the plain recount."""
    assert await kept_counts(db) == await recounted(db)
    indicators = IndicatorService(db, db.settings.timezone)
    known = await ids(db)
    month = (now or datetime.now(UTC)).astimezone(ZoneInfo(db.settings.timezone)).date().replace(day=1)
    for campaign_id in (known["sanitation"], known["muck"], None):
        for unit_id in (None, known["unit"]):
            for period in (month, None):
                scope = {"campaign_id": campaign_id, "unit_id": unit_id, "month": period, "now": now}
                assert await indicators.compute(**scope) == await indicators.recount(**scope), scope
            counts = await indicators.status_counts(campaign_id=campaign_id, unit_id=unit_id)
            assert counts == (await indicators.recount(campaign_id=campaign_id, unit_id=unit_id)).statuses
    return indicators


async def sanitation_counts(db: Database) -> dict[str, int]:
    indicators = IndicatorService(db, db.settings.timezone)
    return await indicators.status_counts(campaign_id=(await ids(db))["sanitation"])


async def test_every_kind_of_change_keeps_the_counts_equal_to_a_recount(client, db, settings):
    await assert_exact(db)
    start = await sanitation_counts(db)

    # open: four findings in the open, one covert (out of every figure), one in another campaign
    f1, f2, f3, f4 = [await new_finding(client) for _ in range(4)]
    covert_check, covert = await covert_finding(client)
    await new_finding(client, campaign="muck")
    await assert_exact(db)
    opened = await sanitation_counts(db)
    assert opened["new"] == start["new"] + 4

    # assign
    for finding in (f1, f2, f3):
        await assign(client, finding)
    await assert_exact(db)
    assert (await sanitation_counts(db))["assigned"] == start["assigned"] + 3

    # submit (the unit's after-photos), then close one and send the other back
    await rectify(client, f1)
    await rectify(client, f2)
    await assert_exact(db)
    await verify(client, f1, "close")
    await assert_exact(db)
    await verify(client, f2, "rework")
    await assert_exact(db)
    reworked = await sanitation_counts(db)
    assert reworked["closed"] == start["closed"] + 1 and reworked["rework"] == start["rework"] + 1
    await rectify(client, f2)  # submitted again after the rework
    await assert_exact(db)

    # merge: the duplicate leaves the counts, the finding it joins stays
    await merge(client, f4, f3)
    await assert_exact(db)
    assert (await sanitation_counts(db))["new"] == start["new"]

    # disclose: the covert finding enters them
    response = await client.post(
        f"/api/v1/checks/{covert_check}/disclose", headers=await auth(client, "office")
    )
    assert response.status_code == 200, response.text
    await assert_exact(db)
    assert (await sanitation_counts(db))["new"] == start["new"] + 1

    # overdue sweep: a deadline passes and the sweep escalates; only the clock-bound figures move
    async with db.write() as session:
        past = datetime.now(UTC) - timedelta(hours=1)
        await session.execute(update(Finding).where(Finding.id == f3).values(deadline=past))
    assert await Workflow(db, settings).sweep_deadlines() == [f3]
    indicators = await assert_exact(db)
    month = datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).date().replace(day=1)
    figures = await indicators.compute(campaign_id=(await ids(db))["sanitation"], month=month)
    assert figures.overdue >= 1
    # and the disclosed covert finding can now be worked like any other
    await assign(client, covert)
    await assert_exact(db)


async def test_checks_sent_at_once_are_counted_once_each(client, db):
    before = await sanitation_counts(db)
    opened = await asyncio.gather(*(new_finding(client) for _ in range(6)))
    assert len(set(opened)) == 6
    await assert_exact(db)
    assert (await sanitation_counts(db))["new"] == before["new"] + 6


async def test_a_finding_counts_in_its_month_by_the_bureaus_calendar(client, db, settings):
    """00:30 on 1 November in Shanghai is still 31 October in UTC: the November figures have it."""
    finding = await new_finding(client)
    await update_finding(db, finding, created_at=datetime(2026, 10, 31, 16, 30, tzinfo=UTC))
    await assign(client, finding)  # a change through the app, after the recount
    indicators = await assert_exact(db)
    sanitation = (await ids(db))["sanitation"]
    november = await indicators.compute(campaign_id=sanitation, month=date(2026, 11, 1))
    october = await indicators.compute(campaign_id=sanitation, month=date(2026, 10, 1))
    assert november.statuses["assigned"] == 1 and november.total == 1
    assert october.total == 0
    assert await kept_counts(db) == await recounted(db)


async def test_a_refused_change_counts_nothing(client, db):
    _check, covert = await covert_finding(client)
    before = await kept_counts(db)
    await assign(client, covert, user="office", expect=409)  # covert: the office must disclose first
    assert await kept_counts(db) == before
    await assert_exact(db)
