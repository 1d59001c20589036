"""Ratings by the people served: one-time, unguessable, rate-limited links with no personal data."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import AsyncTestClient

from conftest import csrf_from
from server.app import create_app
from tests.helpers_complaints import NAME, PHONE, assign, investigate, record, step, visit
from tests.helpers_findings import assign as assign_finding
from tests.helpers_findings import auth, new_finding, rectify, verify


async def closed_complaint(client) -> dict:
    uuid = await record(client)
    await assign(client, uuid)
    await investigate(client, uuid)
    await visit(client, uuid, "satisfied")
    return await step(client, uuid, "close")


async def test_a_rating_link_works_once_and_a_used_one_reads_like_an_unknown_one(client, settings):
    closed = await closed_complaint(client)
    url = closed["rating_url"]
    form = await client.get(url)
    assert form.status_code == 200 and 'name="outcome"' in form.text
    assert PHONE not in form.text and NAME not in form.text and closed["content"] not in form.text

    bad = await client.post(url, data={"outcome": "meh", "_csrf": csrf_from(form.text)})
    assert bad.status_code == 422
    done = await client.post(
        url, data={"outcome": "basically_satisfied", "comment": "还行", "_csrf": csrf_from(form.text)}
    )
    assert done.status_code == 200 and "data-rating-unavailable" not in done.text

    used = await client.get(url)
    unknown = await client.get("/rate/" + "A" * 32)
    assert used.status_code == unknown.status_code == 200
    assert "data-rating-unavailable" in used.text
    strip = lambda html: html.replace(url, "").replace("/rate/" + "A" * 32, "")  # noqa: E731
    assert strip(used.text).replace(csrf_from(used.text), "") == strip(unknown.text).replace(
        csrf_from(unknown.text), ""
    )
    again = await client.post(url, data={"outcome": "unsatisfied", "_csrf": csrf_from(used.text)})
    assert "data-rating-unavailable" in again.text

    from sqlalchemy import text

    from server.db import Database

    db = Database(settings)
    try:
        async with db.read() as session:
            rows = (await session.execute(text("SELECT outcome, comment FROM ratings"))).all()
    finally:
        await db.dispose()
    assert [tuple(r) for r in rows] == [("basically_satisfied", "还行")]

    # The office's page of the closed complaint shows the link and its QR code.
    page = await client.get(f"/complaints/{closed['uuid']}", headers=await auth(client, "office"))
    assert url in page.text and "<svg" in page.text


async def test_rating_pages_are_rate_limited(settings):
    app = create_app(replace(settings, rating_requests_per_minute=3, deadline_sweep_seconds=0))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        codes = [(await client.get(f"/rate/guess{i:04d}")).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]


async def test_a_closed_finding_has_a_rating_link_for_its_lead(client):
    fid = await new_finding(client)
    lead = await auth(client, "lead")
    assert (await client.get(f"/api/v1/findings/{fid}/rating-link", headers=lead)).status_code == 404
    await assign_finding(client, fid)
    await rectify(client, fid)
    await verify(client, fid, "close")
    link = await client.get(f"/api/v1/findings/{fid}/rating-link", headers=lead)
    assert link.status_code == 200 and link.json()["url"].startswith("/rate/")
    assert link.json()["qr_svg"].startswith("<svg")
    again = await client.get(f"/api/v1/findings/{fid}/rating-link", headers=lead)
    assert again.json()["url"] == link.json()["url"]
    assert (await client.get(link.json()["url"])).status_code == 200
    handler = await client.get(f"/api/v1/findings/{fid}/rating-link", headers=await auth(client, "handler"))
    assert handler.status_code == 403
