"""Unannounced rounds: a seeded, reproducible sample of sites weighted toward open findings, on the
supervisor's phone, with the office seeing which sampled sites were visited."""

from __future__ import annotations

from collections import Counter

from server.complaints.rounds import weighted_sample
from tests.helpers_findings import auth, record_check


def test_the_draw_is_reproducible_and_weighted():
    weights = [(1, 1), (2, 1), (3, 20), (4, 1)]
    assert weighted_sample(weights, 2, 7) == weighted_sample(list(reversed(weights)), 2, 7)
    firsts = Counter(weighted_sample(weights, 1, seed)[0] for seed in range(2000))
    # Site 3 carries 20 of the 23 units of weight: drawn first about 87% of the time.
    assert 0.82 < firsts[3] / 2000 < 0.92
    assert all(firsts[site] > 0 for site in (1, 2, 4))
    assert sorted(weighted_sample(weights, 10, 3)) == [1, 2, 3, 4]


async def test_the_office_draws_a_round_the_supervisor_walks(client):
    office, supervisor = await auth(client, "office"), await auth(client, "supervisor")
    sites = (await client.get("/api/v1/sites?near=32.6293,110.7981&radius_m=50000", headers=office)).json()
    busy = sites[0]["code"]
    for _ in range(3):
        await record_check(client, "officer", site=busy)

    first = await client.post(
        "/api/v1/rounds", json={"supervisor": "supervisor", "size": 4, "seed": 11}, headers=office
    )
    assert first.status_code == 201, first.text
    again = await client.post(
        "/api/v1/rounds", json={"supervisor": "supervisor", "size": 4, "seed": 11}, headers=office
    )
    drawn = [s["code"] for s in first.json()["sites"]]
    assert len(drawn) == 4 and drawn == [s["code"] for s in again.json()["sites"]]
    every = await client.post("/api/v1/rounds", json={"supervisor": "supervisor", "size": 50}, headers=office)
    opened = {s["code"]: s["open_findings"] for s in every.json()["sites"]}
    assert opened[busy] == 3

    # The supervisor's phone shows the latest round; others cannot read it.
    page = await client.get("/round", headers=supervisor)
    assert page.status_code == 200
    for code in drawn:
        assert f'data-site="{code}"' in page.text
    round_id = again.json()["id"]
    assert (await client.get(f"/api/v1/rounds/{round_id}", headers=supervisor)).status_code == 200
    assert (
        await client.get(f"/api/v1/rounds/{round_id}", headers=await auth(client, "officer"))
    ).status_code == 404
    assert (await client.get("/round", headers=await auth(client, "handler"))).status_code == 403
    refused = await client.post("/api/v1/rounds", json={"supervisor": "supervisor"}, headers=supervisor)
    assert refused.status_code == 403

    # A covert check at a sampled site marks it visited for the office.
    await record_check(client, "supervisor", kind="unannounced", site=drawn[0])
    body = (await client.get(f"/api/v1/rounds/{round_id}", headers=office)).json()
    assert body["visited"] == 1
    assert [s["code"] for s in body["sites"] if s["visited_at"]] == [drawn[0]]
    rounds = await client.get("/rounds", headers=office)
    assert f'data-site="{drawn[0]}" data-visited="yes"' in rounds.text


async def test_a_bad_round_is_422_naming_the_field(client):
    office = await auth(client, "office")
    for body, field in (
        ({"supervisor": "officer"}, "supervisor"),
        ({"supervisor": "supervisor", "size": 0}, "size"),
        ({"supervisor": "supervisor", "seed": -1}, "seed"),
        ({"supervisor": "supervisor", "campaign": "nope"}, "campaign"),
    ):
        response = await client.post("/api/v1/rounds", json=body, headers=office)
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.json()["errors"]]
