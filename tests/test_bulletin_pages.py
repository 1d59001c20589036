"""The bulletins' pages: the office drafts one with the form (a refusal keeps what was typed and
says what is wrong), reads it as a printable page and publishes it; others read what they may."""

from __future__ import annotations

import pytest

from conftest import login
from tests.test_bulletins import after_the_month, month_key, this_month

pytestmark = pytest.mark.anyio


async def test_the_office_drafts_reads_and_publishes_a_bulletin(client):
    csrf = await login(client, "office")
    listing = await client.get("/bulletins")
    assert listing.status_code == 200 and 'name="period"' in listing.text

    # This month has not ended: the form comes back with the period kept and the reason beside it.
    refused = await client.post(
        "/bulletins", data={"_csrf": csrf, "kind": "monthly", "period": month_key(), "campaign": ""}
    )
    assert refused.status_code == 422
    assert f'value="{month_key()}"' in refused.text and "field-error" in refused.text

    after_the_month(client)
    created = await client.post(
        "/bulletins",
        data={"_csrf": csrf, "kind": "monthly", "period": month_key(), "campaign": "sanitation"},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    where = created.headers["location"]
    shown = await client.get(where)
    first = this_month()
    assert shown.status_code == 200
    assert f"{first.year}年{first.month}月环境卫生专项整治月通报" in shown.text
    assert "一、检查开展情况" in shown.text and "草稿（未发布）" in shown.text
    assert 'value="publish"' in shown.text

    published = await client.post(where, data={"_csrf": csrf, "action": "publish"}, follow_redirects=False)
    assert published.status_code == 303
    shown = await client.get(published.headers["location"])
    assert "草稿（未发布）" not in shown.text and "发布" in shown.text
    assert 'value="publish"' not in shown.text
    again = await client.post(where, data={"_csrf": csrf, "action": "publish"})
    assert again.status_code == 409
    # Without the CSRF token nothing is done.
    assert (await client.post(where, data={"action": "regenerate"})).status_code == 403


async def test_readers_and_strangers(client):
    await login(client, "handler")
    assert (await client.get("/bulletins")).status_code == 200
    assert 'name="period"' not in (await client.get("/bulletins")).text
    csrf = await login(client, "officer")
    assert (await client.get("/bulletins")).status_code == 403
    assert (
        await client.post("/bulletins", data={"_csrf": csrf, "kind": "annual", "period": "2025"})
    ).status_code == 403
