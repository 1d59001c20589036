"""The rectification workflow through the Findings API v1: every transition, by every role.

new --assign--> assigned --(after-photos)--> submitted --close--> closed
                                                  |--rework--> rework --(after-photos)--> submitted ...
new/assigned/rework --merge--> merged

Allowed: 200/201 and the new status. Refused: 403 for a role that may never do it but can
see the finding, 404 for a finding the caller may not see, 409 (with `finding_status`)
for a move the workflow does not allow from the current status, 422 for bad input.
In every refused case nothing changes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.db import Database
from server.errors import Conflict
from server.findings.workflow import Workflow
from server.models import User
from tests.helpers_findings import (
    CHINA,
    NOTICE_RE,
    ROLES,
    assign,
    auth,
    covert_finding,
    finding_in,
    future,
    get_finding,
    merge,
    new_finding,
    new_uuid,
    plain_jpeg,
    put_after_photo,
    put_rectification,
    record_check,
    rect_body,
    rectify,
    verify,
)

# The finding is a sanitation finding recorded by `officer` and, once assigned, assigned to
# sanitation-office, the unit of `handler`. `supervisor` recorded nothing of it, `lead-muck`
# leads another campaign, `handler-muck` belongs to another unit. Each row starts from a
# fresh finding in the transition's starting status. "merge" merges an assigned finding into
# another assigned one (so the handler sees both); "disclose" is the office disclosing a
# supervisor's unannounced check (even its author may not).
# fmt: off
MATRIX_ROWS = {
    #              from         officer supervisor lead lead-muck handler handler-muck office
    "assign":   ("new",        (403,    404,       200, 404,      404,    404,         200)),
    "submit":   ("assigned",   (403,    404,       403, 404,      201,    404,         403)),
    "close":    ("submitted",  (403,    404,       200, 404,      403,    404,         200)),
    "rework":   ("submitted",  (403,    404,       200, 404,      403,    404,         200)),
    "resubmit": ("rework",     (403,    404,       403, 404,      201,    404,         403)),
    "merge":    ("assigned",   (403,    404,       200, 404,      403,    404,         200)),
    "disclose": ("covert",     (403,    403,       403, 403,      403,    403,         200)),
}
# fmt: on
MATRIX = {
    transition: (start, dict(zip(ROLES, answers, strict=True)))
    for transition, (start, answers) in MATRIX_ROWS.items()
}
NEW_STATUS = {
    "assign": "assigned",
    "submit": "submitted",
    "close": "closed",
    "rework": "rework",
    "resubmit": "submitted",
    "merge": "merged",
    "disclose": "new",
}


async def assert_unchanged(client, finding_id: int, before: dict) -> None:
    after = await get_finding(client, finding_id)
    assert after["status"] == before["status"]
    assert after["history"] == before["history"]
    assert after["unit"] == before["unit"] and after["deadline"] == before["deadline"]
    assert after["rectifications"] == before["rectifications"]
    assert after["merged"] == before["merged"]


def last_event(finding: dict) -> dict:
    return finding["history"][-1]


async def attempt(client, transition: str, finding_id: int, role: str, ctx: dict):
    """Make the transition as `role`; returns the response (for a rectification, of its PUT)."""
    if transition == "assign":
        ctx["deadline"] = future(5)
        return await assign(
            client, finding_id, role, deadline=ctx["deadline"], reason="near a school", expect=None
        )
    if transition in ("submit", "resubmit"):
        photo = new_uuid()
        rect_uuid, response = await put_rectification(
            client, finding_id, rect_body(photos=[{"uuid": photo}]), role
        )
        if response.status_code == 201:
            assert response.json()["finding_status"] == MATRIX[transition][0]  # until its photo arrives
            sent = await put_after_photo(
                client, rect_uuid, photo, plain_jpeg("orientation_landscape_8.jpg"), role
            )
            assert sent.status_code == 201, sent.text
            assert sent.json()["finding_status"] == "submitted"
        return response
    if transition in ("close", "rework"):
        ctx["deadline"] = future(2)
        return await verify(
            client,
            finding_id,
            transition,
            role,
            reason="checked on site",
            deadline=ctx["deadline"],
            expect=None,
        )
    if transition == "merge":
        ctx["into"] = await finding_in(client, "assigned")
        return await merge(client, finding_id, ctx["into"], role, expect=None)
    if transition == "disclose":
        return await client.post(f"/api/v1/checks/{ctx['check']}/disclose", headers=await auth(client, role))
    raise ValueError(transition)


ACTION = {
    "assign": "assigned",
    "submit": "submitted",
    "close": "closed",
    "rework": "rework",
    "resubmit": "submitted",
    "merge": "merged",
    "disclose": "disclosed",
}


async def check_allowed(client, transition: str, finding_id: int, role: str, ctx: dict, response) -> None:
    """What an allowed transition must leave behind: the new status and who, when and why."""
    if transition in ("assign", "close", "rework", "merge"):
        assert response.json()["status"] == NEW_STATUS[transition]
    finding = await get_finding(client, finding_id)
    assert finding["status"] == NEW_STATUS[transition], (transition, role)
    event = last_event(finding)
    assert (event["action"], event["by"]) == (ACTION[transition], role), (transition, event)
    assert abs(datetime.now(UTC) - datetime.fromisoformat(event["at"])) < timedelta(minutes=1)
    if transition == "disclose":
        assert len(finding["history"]) == 1
        return
    assert (event["from"], event["to"]) == (MATRIX[transition][0], NEW_STATUS[transition])
    if transition == "assign":
        assert finding["unit"]["code"] == event["unit"] == "sanitation-office"
        assert event["reason"] == "near a school"
        assert datetime.fromisoformat(event["deadline"]) == datetime.fromisoformat(ctx["deadline"])
        assert datetime.fromisoformat(finding["deadline"]) == datetime.fromisoformat(ctx["deadline"])
        assert NOTICE_RE.match(finding["notice_number"])
    elif transition == "rework":
        assert event["reason"] == "checked on site" and finding["rework_count"] == 1
        assert datetime.fromisoformat(event["deadline"]) == datetime.fromisoformat(ctx["deadline"])
        assert datetime.fromisoformat(finding["deadline"]) == datetime.fromisoformat(ctx["deadline"])
    elif transition == "close":
        assert event["reason"] == "checked on site" and finding["closed_at"] is not None
    elif transition in ("submit", "resubmit"):
        assert finding["submitted_at"] is not None
        assert len(finding["rectifications"]) == (2 if transition == "resubmit" else 1)
    elif transition == "merge":
        assert finding["duplicate_of"] == ctx["into"] and event["related_finding"] == ctx["into"]
        target = await get_finding(client, ctx["into"])
        assert target["status"] == "assigned"  # the original carries on
        assert target["merged"] == [finding_id]
        assert (
            last_event(target)["action"] == "absorbed" and last_event(target)["related_finding"] == finding_id
        )


@pytest.mark.parametrize("transition", MATRIX)
async def test_who_may_make_each_transition(client, transition):
    start, expected = MATRIX[transition]
    answers = {}
    for role in ROLES:
        ctx: dict = {}
        if start == "covert":
            ctx["check"], finding_id = await covert_finding(client)
        else:
            finding_id = await finding_in(client, start)
        before = await get_finding(client, finding_id)
        response = await attempt(client, transition, finding_id, role, ctx)
        answers[role] = response.status_code
        if response.status_code == expected[role] == 200 or response.status_code == expected[role] == 201:
            await check_allowed(client, transition, finding_id, role, ctx, response)
        elif response.status_code == expected[role]:
            assert response.json()["message"], response.text
            await assert_unchanged(client, finding_id, before)
            if transition == "merge":
                assert (await get_finding(client, ctx["into"]))["merged"] == []
            if transition == "disclose":
                lead = await client.get(f"/api/v1/findings/{finding_id}", headers=await auth(client, "lead"))
                assert lead.status_code == 404
    assert answers == expected


# --- what the workflow allows from each status -------------------------------------------


def refused(response, status: str) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["finding_status"] == status, body
    assert body["message"]


# transition (made by the campaign's lead or its handler): statuses it is refused from.
# "merged*" is a finding merged after it was assigned, so that its handler still sees it.
REFUSED_FROM = {
    "assign": ["assigned", "submitted", "rework", "closed", "merged"],
    "close": ["new", "assigned", "rework", "closed", "merged"],
    "rework": ["new", "assigned", "rework", "closed", "merged"],
    "submit": ["submitted", "closed", "merged*"],
    # The workflow merges only new, assigned and rework findings (workflow.py's diagram): a
    # submitted one waits for the lead's verdict on the unit's work, which a merge would drop.
    "merge": ["closed", "merged", "submitted"],
    "merge into": ["closed", "merged"],
}


async def finding_with_status(client, status: str) -> int:
    if status == "merged*":
        finding_id = await finding_in(client, "assigned")
        await merge(client, finding_id, await finding_in(client, "assigned"))
        return finding_id
    return await finding_in(client, status)


@pytest.mark.parametrize("transition", REFUSED_FROM)
async def test_transitions_the_workflow_does_not_allow_are_409(client, transition):
    for status in REFUSED_FROM[transition]:
        finding_id = await finding_with_status(client, status)
        shown = status.rstrip("*")
        before = await get_finding(client, finding_id)
        if transition == "assign":
            for role in ("lead", "office"):
                refused(await assign(client, finding_id, role, unit="maojian", expect=None), shown)
        elif transition in ("close", "rework"):
            for role in ("lead", "office"):
                refused(await verify(client, finding_id, transition, role, expect=None), shown)
        elif transition == "submit":
            _uuid, response = await put_rectification(
                client, finding_id, rect_body(photos=[{"uuid": new_uuid()}])
            )
            refused(response, shown)
        elif transition == "merge":
            refused(await merge(client, finding_id, await finding_in(client, "new"), expect=None), shown)
        else:  # merge a new finding into one that is finished
            source = await finding_in(client, "new")
            source_before = await get_finding(client, source)
            refused(await merge(client, source, finding_id, expect=None), shown)
            await assert_unchanged(client, source, source_before)
        await assert_unchanged(client, finding_id, before)


@pytest.mark.parametrize("status", ["new", "assigned", "rework"])
async def test_merge_is_allowed_from_an_open_status(client, status):
    finding_id = await finding_in(client, status)
    target = await finding_in(client, "submitted")  # into any open finding
    response = await merge(client, finding_id, target)
    assert response.json()["status"] == "merged"
    assert last_event(await get_finding(client, finding_id))["from"] == status
    assert (await get_finding(client, target))["status"] == "submitted"


async def test_a_finding_that_is_not_the_units_takes_no_rectification(client):
    finding_id = await finding_in(client, "new")
    for role in ("handler", "handler-muck"):
        _uuid, response = await put_rectification(
            client, finding_id, rect_body(photos=[{"uuid": new_uuid()}]), role
        )
        assert response.status_code == 404, response.text
    # Assigned to another unit: still not this handler's to see or rectify.
    await assign(client, finding_id, unit="maojian")
    _uuid, response = await put_rectification(client, finding_id, rect_body(photos=[{"uuid": new_uuid()}]))
    assert response.status_code == 404, response.text
    assert (await get_finding(client, finding_id))["rectifications"] == []


async def test_a_finding_that_does_not_exist_is_404_for_everyone(client):
    missing = 987654
    posts = [
        ("assign", {"unit": "sanitation-office", "deadline": future()}),
        ("verify", {"outcome": "close"}),
        ("merge", {"into": 1}),
    ]
    for role in ROLES:
        headers = await auth(client, role)
        assert (await client.get(f"/api/v1/findings/{missing}", headers=headers)).status_code == 404, role
        for action, body in posts:
            response = await client.post(f"/api/v1/findings/{missing}/{action}", json=body, headers=headers)
            assert response.status_code == 404, (role, action, response.text)
        response = await client.put(
            f"/api/v1/findings/{missing}/rectifications/{new_uuid()}",
            json=rect_body(photos=[{"uuid": new_uuid()}]),
            headers=headers,
        )
        assert response.status_code == 404, (role, response.text)


async def test_a_lead_acts_only_on_their_own_campaigns(client):
    # `lead` leads sanitation and parks; `lead-muck` leads muck.
    muck = await new_finding(client, campaign="muck")
    parks = await new_finding(client, campaign="parks")
    await assign(client, muck, "lead", unit="muck-office", expect=404)
    await assign(client, parks, "lead-muck", unit="parks-office", expect=404)
    await assign(client, parks, "lead", unit="parks-office", expect=200)
    await assign(client, muck, "lead-muck", unit="muck-office", expect=200)
    await rectify(client, muck, "handler-muck")
    await verify(client, muck, "close", "lead", expect=404)
    await verify(client, muck, "close", "handler-muck", expect=403)
    await verify(client, muck, "close", "lead-muck", expect=200)


async def test_disclosing_twice_is_harmless_and_an_open_check_has_nothing_to_disclose(client):
    check_uuid, finding_id = await covert_finding(client)
    office = await auth(client, "office")
    first = await client.post(f"/api/v1/checks/{check_uuid}/disclose", headers=office)
    assert first.status_code == 200 and first.json()["disclosed_findings"] == 1
    history = (await get_finding(client, finding_id))["history"]
    second = await client.post(f"/api/v1/checks/{check_uuid}/disclose", headers=office)
    assert second.status_code == 200, second.text
    assert second.json()["disclosed_findings"] == 0
    assert (await get_finding(client, finding_id))["history"] == history
    receipt = await record_check(client)
    response = await client.post(f"/api/v1/checks/{receipt['uuid']}/disclose", headers=office)
    assert response.status_code == 409, response.text
    missing = await client.post(f"/api/v1/checks/{new_uuid()}/disclose", headers=office)
    assert missing.status_code == 404


# --- bad input --------------------------------------------------------------------------


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).astimezone(CHINA).isoformat()


def _naive(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(tzinfo=None).isoformat()


# Each body is sent to the same finding (in the status the transition starts from); each is
# refused with 422 naming the field, and the finding stays as it was.
BAD_INPUT = {
    "assign": (
        "new",
        {
            "deadline in the past": ({"unit": "sanitation-office", "deadline": _in(-1)}, "deadline"),
            "deadline without offset": ({"unit": "sanitation-office", "deadline": _naive(3)}, "deadline"),
            "deadline more than a year away": (
                {"unit": "sanitation-office", "deadline": _in(400)},
                "deadline",
            ),
            "deadline empty": ({"unit": "sanitation-office", "deadline": ""}, "deadline"),
            "the bureau itself": ({"unit": "bureau", "deadline": _in(3)}, "unit"),
            "the supervision office": ({"unit": "duty-office", "deadline": _in(3)}, "unit"),
            "the third-party evaluator": ({"unit": "chufeng-eval", "deadline": _in(3)}, "unit"),
            "deadline not a date": ({"unit": "sanitation-office", "deadline": "next friday"}, "deadline"),
            "deadline a number": ({"unit": "sanitation-office", "deadline": 1764000000}, "deadline"),
            "unknown unit": ({"unit": "no-such-office", "deadline": _in(3)}, "unit"),
            "unit missing": ({"deadline": _in(3)}, "unit"),
            "unit not text": ({"unit": 7, "deadline": _in(3)}, "unit"),
        },
    ),
    "verify": (
        "submitted",
        {
            "rework without reason": ({"outcome": "rework", "deadline": _in(3)}, "reason"),
            "rework with a blank reason": (
                {"outcome": "rework", "reason": "   ", "deadline": _in(3)},
                "reason",
            ),
            "rework with an empty deadline": (
                {"outcome": "rework", "reason": "still dirty", "deadline": ""},
                "deadline",
            ),
            "rework with a past deadline": (
                {"outcome": "rework", "reason": "still dirty", "deadline": _in(-0.5)},
                "deadline",
            ),
            "rework deadline without offset": (
                {"outcome": "rework", "reason": "still dirty", "deadline": _naive(2)},
                "deadline",
            ),
            "rework deadline a year and more away": (
                {"outcome": "rework", "reason": "still dirty", "deadline": _in(370)},
                "deadline",
            ),
            "outcome approve": ({"outcome": "approve"}, "outcome"),
            "outcome missing": ({"reason": "fine"}, "outcome"),
            "outcome upper case": ({"outcome": "CLOSE"}, "outcome"),
            "reason not text": ({"outcome": "close", "reason": ["ok"]}, "reason"),
            "reason too long": ({"outcome": "close", "reason": "x" * 1001}, "reason"),
        },
    ),
    "merge": (
        "new",
        {
            "into itself": (None, "into"),  # filled in with the finding's own id
            "into a finding of another item": ("san-02", "into"),
            "into a finding of another campaign": ("parks", "into"),  # lead leads parks too: visible
            "into a number as text": ({"into": "12"}, "into"),
            "into nothing": ({}, "into"),
            "into true": ({"into": True}, "into"),
        },
    ),
}


@pytest.mark.parametrize("transition", BAD_INPUT)
async def test_bad_input_is_422_naming_the_field_and_changes_nothing(client, transition):
    start, cases = BAD_INPUT[transition]
    finding_id = await finding_in(client, start)
    before = await get_finding(client, finding_id)
    headers = await auth(client, "lead") | {"Accept-Language": "en"}
    for case, (body, field) in cases.items():
        if transition == "merge" and body is None:
            body = {"into": finding_id}
        elif transition == "merge" and body == "san-02":
            body = {"into": await new_finding(client, item="san-02")}
        elif transition == "merge" and body == "parks":
            body = {"into": await new_finding(client, campaign="parks")}
        response = await client.post(
            f"/api/v1/findings/{finding_id}/{transition}", json=body, headers=headers
        )
        assert response.status_code == 422, (case, response.text)
        error = response.json()
        assert error["message"], case
        assert [e["field"] for e in error["errors"]] == [field], (case, error)
        await assert_unchanged(client, finding_id, before)


async def test_messages_say_what_to_do(client):
    finding_id = await finding_in(client, "submitted")
    headers = await auth(client, "lead") | {"Accept-Language": "en"}
    response = await client.post(
        f"/api/v1/findings/{finding_id}/verify",
        json={"outcome": "rework", "deadline": _in(3)},
        headers=headers,
    )
    assert "why" in response.json()["message"].lower()
    response = await client.post(
        f"/api/v1/findings/{finding_id}/verify",
        json={"outcome": "rework", "reason": "dirty", "deadline": _in(-1)},
        headers=headers,
    )
    assert "past" in response.json()["message"].lower()
    # In Chinese by default.
    response = await client.post(
        f"/api/v1/findings/{finding_id}/verify",
        json={"outcome": "rework", "deadline": _in(3)},
        headers=await auth(client, "lead"),
    )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])


async def test_a_deadline_just_under_a_year_away_is_accepted(client):
    finding_id = await finding_in(client, "new")
    await assign(client, finding_id, deadline=_in(360))


async def test_merge_into_a_finding_the_lead_may_not_see_is_404(client):
    finding_id = await finding_in(client, "new")
    muck = await new_finding(client, campaign="muck")
    response = await merge(client, finding_id, muck, expect=None)
    assert response.status_code == 404, response.text
    # The office sees both, but they are not the same checklist item.
    response = await merge(client, finding_id, muck, "office", expect=None)
    assert response.status_code == 422, response.text


async def test_a_body_that_is_not_an_object_is_refused(client):
    finding_id = await finding_in(client, "new")
    headers = await auth(client, "lead")
    for action in ("assign", "verify", "merge"):
        response = await client.post(f"/api/v1/findings/{finding_id}/{action}", json=["x"], headers=headers)
        assert response.status_code == 422, (action, response.text)
        response = await client.post(
            f"/api/v1/findings/{finding_id}/{action}",
            content=b"{not json",
            headers=headers | {"Content-Type": "application/json"},
        )
        assert response.status_code == 400, (action, response.text)
    assert (await get_finding(client, finding_id))["status"] == "new"


async def test_the_api_needs_a_login(client):
    finding_id = await finding_in(client, "new")
    response = await client.post(
        f"/api/v1/findings/{finding_id}/assign", json={"unit": "sanitation-office", "deadline": future()}
    )
    assert response.status_code == 401


# --- who, when and why ------------------------------------------------------------------


async def test_the_history_records_who_when_and_why_in_order(client):
    start = datetime.now(UTC)
    finding_id = await finding_in(client, "new")
    first_deadline, second_deadline = future(5), future(9)
    await assign(client, finding_id, "lead", deadline=first_deadline, reason="next to the school gate")
    await rectify(client, finding_id)
    await verify(
        client, finding_id, "rework", "lead", reason="bins still overflowing", deadline=second_deadline
    )
    await rectify(client, finding_id, photos=[plain_jpeg("orientation_landscape_8.jpg")])
    await verify(client, finding_id, "close", "office", reason="clean now")
    finding = await get_finding(client, finding_id, "lead")
    history = finding["history"]
    assert [(e["action"], e["by"], e["from"], e["to"]) for e in history] == [
        ("assigned", "lead", "new", "assigned"),
        ("submitted", "handler", "assigned", "submitted"),
        ("rework", "lead", "submitted", "rework"),
        ("submitted", "handler", "rework", "submitted"),
        ("closed", "office", "submitted", "closed"),
    ]
    assert [e["reason"] for e in history] == [
        "next to the school gate",
        "",
        "bins still overflowing",
        "",
        "clean now",
    ]
    deadlines = [datetime.fromisoformat(e["deadline"]) if e["deadline"] else None for e in history]
    assert deadlines == [
        datetime.fromisoformat(first_deadline),
        None,
        datetime.fromisoformat(second_deadline),
        None,
        None,
    ]
    assert history[0]["unit"] == "sanitation-office"
    times = [datetime.fromisoformat(e["at"]) for e in history]
    assert times == sorted(times)
    assert start <= times[0] and times[-1] <= datetime.now(UTC)
    assert finding["status"] == "closed" and finding["rework_count"] == 1
    assert datetime.fromisoformat(finding["deadline"]) == datetime.fromisoformat(second_deadline)
    # The handler reads the same history.
    assert (await get_finding(client, finding_id, "handler"))["history"] == history


async def test_notice_numbers_follow_the_format_and_increase_by_one_per_assignment(client):
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    numbers = []
    for role in ("lead", "office", "lead"):
        finding_id = await finding_in(client, "new")
        numbers.append((await assign(client, finding_id, role)).json()["notice_number"])
    muck = await new_finding(client, campaign="muck")
    numbers.append((await assign(client, muck, "lead-muck", unit="muck-office")).json()["notice_number"])
    parsed = [NOTICE_RE.match(n) for n in numbers]
    assert all(parsed), numbers
    assert {int(m.group(1)) for m in parsed} == {year}
    sequence = [int(m.group(2)) for m in parsed]
    assert sequence == list(range(sequence[0], sequence[0] + 4)), numbers
    # A refused assignment and a rework issue no number.
    refused(await assign(client, finding_id, expect=None), "assigned")
    await rectify(client, finding_id)
    await verify(client, finding_id, "rework")
    assert (await get_finding(client, finding_id))["notice_number"] == numbers[2]
    another = await finding_in(client, "new")
    following = (await assign(client, another)).json()["notice_number"]
    assert int(NOTICE_RE.match(following).group(2)) == sequence[-1] + 1


async def test_concurrent_assignments_number_notices_without_gaps_and_assign_once(client, settings):
    """Three workers (each its own pool) assign at once: distinct consecutive numbers, one winner."""
    findings = [await finding_in(client, "new") for _ in range(6)]
    contested = await finding_in(client, "new")
    dbs = [Database(settings) for _ in range(3)]
    try:
        flows = [Workflow(db, settings) for db in dbs]
        async with dbs[0].read() as session:
            users = {u.username: u for u in (await session.scalars(select(User))).all()}
        # No notice was issued this year yet: the workers also race to start the year's count.
        assigned = await asyncio.gather(
            *(
                flows[i % 3].assign(
                    users["lead" if i % 2 else "office"], finding_id, "sanitation-office", future(3)
                )
                for i, finding_id in enumerate(findings)
            )
        )
        outcomes = await asyncio.gather(
            flows[0].assign(users["lead"], contested, "sanitation-office", future(3)),
            flows[1].assign(users["office"], contested, "maojian", future(4)),
            flows[2].assign(users["lead"], contested, "sanitation-office", future(5)),
            return_exceptions=True,
        )
    finally:
        for db in dbs:
            await db.dispose()
    sequence = sorted(int(NOTICE_RE.match(f.notice_number).group(2)) for f in assigned)
    assert sequence == [1, 2, 3, 4, 5, 6]
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1 and len(losers) == 2, outcomes
    assert all(isinstance(e, Conflict) and e.extra["finding_status"] == "assigned" for e in losers), losers
    finding = await get_finding(client, contested)
    assert [e["action"] for e in finding["history"]] == ["assigned"]
    assert finding["notice_number"] == winners[0].notice_number
    assert int(NOTICE_RE.match(finding["notice_number"]).group(2)) == 7


async def test_merges_of_the_same_pair_in_opposite_directions_at_once_do_not_deadlock(client, settings):
    """Two workers merge A into B and B into A at the same moment: one wins, the other is told 409."""
    dbs = [Database(settings) for _ in range(2)]
    try:
        flows = [Workflow(db, settings) for db in dbs]
        async with dbs[0].read() as session:
            users = {u.username: u for u in (await session.scalars(select(User))).all()}
        for _ in range(5):
            a, b = await finding_in(client, "new"), await finding_in(client, "new")
            outcomes = await asyncio.gather(
                flows[0].merge(users["lead"], a, b),
                flows[1].merge(users["office"], b, a),
                return_exceptions=True,
            )
            winners = [o for o in outcomes if not isinstance(o, BaseException)]
            losers = [o for o in outcomes if isinstance(o, BaseException)]
            assert len(winners) == 1 and len(losers) == 1, outcomes
            assert isinstance(losers[0], Conflict), losers  # not a deadlock, not a 500
            merged, kept = winners[0].id, ({a, b} - {winners[0].id}).pop()
            assert (await get_finding(client, merged))["duplicate_of"] == kept
            assert (await get_finding(client, kept))["status"] == "new"
    finally:
        for db in dbs:
            await db.dispose()
