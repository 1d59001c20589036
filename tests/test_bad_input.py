"""Input a client can send that once made the server fail: each is a 4xx naming the parameter.

Integers past 64 bits, dates at the ends of the calendar, lone surrogates in JSON, NUL bytes in
static paths, and bidirectional overrides or control characters in free text.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from conftest import check_body, new_uuid
from tests.helpers_findings import assign, auth, future, get_finding, new_finding, rect_body
from tests.support import row_counts

HUGE = str(2**64)
PAST_INT4 = str(2**31)  # the id columns are 32-bit in PostgreSQL
HUGER = "1" + "0" * 40


def fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


# --- integers past 64 bits ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", [PAST_INT4, HUGE, HUGER])
@pytest.mark.parametrize(
    ("method", "template", "body"),
    [
        ("GET", "/api/v1/findings/{n}", None),
        ("GET", "/api/v1/findings/{n}/notice.pdf", None),
        ("POST", "/api/v1/findings/{n}/assign", {"unit": "sanitation-office", "deadline": "x"}),
        ("POST", "/api/v1/findings/{n}/verify", {"outcome": "accept"}),
        ("POST", "/api/v1/findings/{n}/merge", {"into": 1}),
        ("PUT", "/api/v1/findings/{n}/rectifications/" + "5f0c8e3a-1d2b-4c3d-8e4f-5a6b7c8d9e0f", {}),
    ],
)
async def test_a_finding_number_past_64_bits_is_a_4xx_naming_it(
    client: Any, method: str, template: str, body: Any, number: str
) -> None:
    headers = await auth(client, "lead")
    response = await client.request(method, template.format(n=number), json=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert "finding_id" in fields(response), response.text


@pytest.mark.parametrize("number", [PAST_INT4, HUGE, HUGER])
@pytest.mark.parametrize(
    ("user", "method", "template", "name"),
    [
        ("office", "GET", "/api/v1/rounds/{n}", "round_id"),
        ("lead", "GET", "/api/v1/topics/{n}", "topic_id"),
        ("handler", "POST", "/api/v1/topics/{n}/answer", "topic_id"),
        ("lead", "POST", "/api/v1/topics/{n}/decide", "topic_id"),
    ],
)
async def test_a_round_or_topic_number_past_64_bits_is_a_4xx_naming_it(
    client: Any, user: str, method: str, template: str, name: str, number: str
) -> None:
    headers = await auth(client, user)
    response = await client.request(method, template.format(n=number), json={}, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert name in fields(response), response.text


@pytest.mark.parametrize("number", [PAST_INT4, HUGE, HUGER])
async def test_a_findings_page_cursor_past_64_bits_is_a_4xx_naming_it(client: Any, number: str) -> None:
    response = await client.get(
        "/api/v1/findings", params={"before": number}, headers=await auth(client, "office")
    )
    assert 400 <= response.status_code < 500, response.text
    assert "before" in fields(response)


@pytest.mark.parametrize("into", [2**64, 10**40, -(2**64)])
async def test_merging_into_a_number_past_64_bits_is_a_4xx_naming_into(client: Any, into: int) -> None:
    finding = await new_finding(client)
    response = await client.post(
        f"/api/v1/findings/{finding}/merge", json={"into": into}, headers=await auth(client, "lead")
    )
    assert 400 <= response.status_code < 500, response.text
    assert "into" in fields(response)
    assert (await get_finding(client, finding))["status"] == "new"


# --- the ends of the calendar --------------------------------------------------------------------------

CALENDAR_ENDS = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59+00:00",
]


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("value", CALENDAR_ENDS)
async def test_findings_between_the_ends_of_the_calendar_are_never_a_5xx(
    client: Any, name: str, value: str
) -> None:
    finding = await new_finding(client)
    response = await client.get(
        "/api/v1/findings", params={name: value}, headers=await auth(client, "office")
    )
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        # A time the database can compare is answered: since year 1 lists the finding, until
        # year 9999 too, and the other two ends list nothing.
        listed = [f["id"] for f in response.json()["items"]]
        assert (finding in listed) == ((name == "since") == value.startswith("0001"))
    else:
        assert name in fields(response), response.text


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "0000-01"])
async def test_indicators_for_a_month_at_the_ends_of_the_calendar_are_never_a_5xx(
    client: Any, month: str
) -> None:
    response = await client.get(
        "/api/v1/indicators", params={"month": month}, headers=await auth(client, "office")
    )
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        assert response.json()["month"] == month
    else:
        assert "month" in fields(response), response.text


@pytest.mark.parametrize("value", CALENDAR_ENDS)
async def test_indicators_since_the_ends_of_the_calendar_still_answer(client: Any, value: str) -> None:
    # The indicators take no since/until; an unknown parameter must not trip anything either.
    response = await client.get(
        "/api/v1/indicators", params={"since": value}, headers=await auth(client, "office")
    )
    assert response.status_code == 200, response.text


# --- lone surrogates in JSON --------------------------------------------------------------------------


async def test_a_lone_surrogate_in_a_check_is_422_naming_the_field(client: Any, settings: Any) -> None:
    headers = await auth(client, "officer")
    before = await row_counts(settings)
    raw = json.dumps(check_body(note="bins")).replace('"bins"', '"bins \\ud800 here"')
    assert "\\ud800" in raw
    response = await client.put(
        f"/api/v1/checks/{new_uuid()}", content=raw, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "note" in fields(response)
    assert await row_counts(settings) == before


async def test_a_lone_surrogate_in_a_nested_field_names_its_path(client: Any) -> None:
    headers = await auth(client, "officer")
    body = check_body()
    body["answers"][0]["note"] = "PLACEHOLDER"
    raw = json.dumps(body).replace('"PLACEHOLDER"', '"\\udfff"')
    response = await client.put(
        f"/api/v1/checks/{new_uuid()}", content=raw, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "answers[0].note" in fields(response)


async def test_a_lone_surrogate_in_a_reason_is_422(client: Any) -> None:
    finding = await new_finding(client)
    raw = json.dumps({"unit": "sanitation-office", "deadline": future(), "reason": "R"}).replace(
        '"R"', '"\\ud83d"'
    )
    response = await client.post(
        f"/api/v1/findings/{finding}/assign",
        content=raw,
        headers=await auth(client, "lead") | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert "reason" in fields(response)
    assert (await get_finding(client, finding))["status"] == "new"


async def test_a_surrogate_pair_is_a_character_and_is_kept(client: Any) -> None:
    headers = await auth(client, "officer")
    uuid = new_uuid()
    raw = json.dumps(check_body(note="bins")).replace('"bins"', '"bins \\ud83d\\ude00"')
    response = await client.put(
        f"/api/v1/checks/{uuid}", content=raw, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert (await client.get(f"/api/v1/checks/{uuid}", headers=headers)).json()["note"] == "bins 😀"


# --- NUL bytes in static paths, and the log ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/static/%00", "/static/css/%00.css", "/static/js/app.js%00.png"])
async def test_a_nul_byte_in_a_static_path_is_a_4xx(client: Any, path: str) -> None:
    response = await client.get(path)
    assert 400 <= response.status_code < 500, response.text


def test_control_characters_in_a_failing_path_cannot_forge_log_lines() -> None:
    from litestar.testing import RequestFactory

    from server.errors import internal_error_handler

    class Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.lines: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.lines.append(record.getMessage())

    collect = Collect()
    logger = logging.getLogger("xuncha")
    logger.addHandler(collect)
    try:
        fake = RequestFactory().get("/api/v1/x\n2026-11-30 INFO forged line\r\x1b[31m")
        response = internal_error_handler(fake, RuntimeError("boom\nINFO forged"))
    finally:
        logger.removeHandler(collect)
    assert response.status_code == 500
    text = "\n".join(collect.lines)
    assert "\n2026-11-30 INFO forged line" not in text and "\nINFO forged" not in text
    assert "\r" not in text and "\x1b" not in text
    # Still readable: the escapes say what was sent.
    assert "x\\n2026-11-30 INFO forged line\\r\\x1b[31m" in text


# --- bidirectional overrides and control characters in free text ---------------------------------------

BIDI_AND_CONTROL = "\u202e\u2066\u2069\u202a\u202b\u202c\u202d\u2067\u2068\x07\x1b\x7f\x85\x00"


async def test_bidi_overrides_and_control_characters_are_removed_from_check_notes(client: Any) -> None:
    headers = await auth(client, "officer")
    uuid = new_uuid()
    answers = [{"item": "san-01", "result": "fail", "severity": "major", "note": f"a{BIDI_AND_CONTROL}b"}]
    body = check_body(note=f"line one\n\tline{BIDI_AND_CONTROL} two", answers=answers)
    response = await client.put(f"/api/v1/checks/{uuid}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    stored = (await client.get(f"/api/v1/checks/{uuid}", headers=headers)).json()
    # Line breaks and tabs are how people write; the rest only disguises text.
    assert stored["note"] == "line one\n\tline two"
    assert stored["answers"][0]["note"] == "ab"
    # The phone's replay of what it sent is still the same check.
    assert (await client.put(f"/api/v1/checks/{uuid}", json=body, headers=headers)).status_code == 200


async def test_bidi_overrides_are_removed_from_reasons_and_rectification_notes(client: Any) -> None:
    finding = await new_finding(client)
    await assign(client, finding, reason=f"fix\u202eit{BIDI_AND_CONTROL}", deadline=future())
    history = (await get_finding(client, finding))["history"]
    assert [e["reason"] for e in history if e["action"] == "assigned"] == ["fixit"]

    body = rect_body(photos=[{"uuid": new_uuid()}], note=f"done\u202e{BIDI_AND_CONTROL}!")
    response = await client.put(
        f"/api/v1/findings/{finding}/rectifications/{new_uuid()}",
        json=body,
        headers=await auth(client, "handler"),
    )
    assert response.status_code == 201, response.text
    rect = (await get_finding(client, finding))["rectifications"][0]
    assert rect["note"] == "done!"


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
async def test_a_check_recorded_at_the_ends_of_the_calendar_is_422_naming_the_time(
    client: Any, settings: Any, moment: str
) -> None:
    headers = await auth(client, "officer")
    before = await row_counts(settings)
    body = check_body(recorded_at=moment, photos=[{"uuid": new_uuid(), "taken_at": moment}])
    response = await client.put(f"/api/v1/checks/{new_uuid()}", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert {"recorded_at", "photos[0].taken_at"} <= fields(response)
    assert await row_counts(settings) == before
