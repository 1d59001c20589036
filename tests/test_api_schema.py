"""The OpenAPI document describes the sync and findings APIs as they answer, and the bodies they
take are decoded by their schemas with the API's own messages, in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import check_body, new_uuid
from tests.helpers_findings import auth, future, new_finding

# The sync API (docs/sync-api.md) and the findings API (docs/findings-api.md).
API_PREFIXES = (
    "/api/v1/checks",
    "/api/v1/findings",
    "/api/v1/rectifications",
    "/api/v1/unit/findings",
    "/api/v1/indicators",
)
# Every operation the two documents list; a route added without its schema shows up as missing.
EXPECTED = {
    ("put", "/api/v1/checks/{check_uuid}"),
    ("get", "/api/v1/checks/{check_uuid}"),
    ("get", "/api/v1/checks"),
    ("put", "/api/v1/checks/{check_uuid}/photos/{photo_uuid}"),
    ("post", "/api/v1/checks/{check_uuid}/disclose"),
    ("get", "/api/v1/findings"),
    ("get", "/api/v1/findings/{finding_id}"),
    ("get", "/api/v1/findings/{finding_id}/notice.pdf"),
    ("post", "/api/v1/findings/{finding_id}/assign"),
    ("post", "/api/v1/findings/{finding_id}/verify"),
    ("post", "/api/v1/findings/{finding_id}/merge"),
    ("put", "/api/v1/findings/{finding_id}/rectifications/{rect_uuid}"),
    ("put", "/api/v1/rectifications/{rect_uuid}/photos/{photo_uuid}"),
    ("get", "/api/v1/unit/findings"),
    ("get", "/api/v1/indicators"),
    ("get", "/api/v1/findings/{finding_id}/rating-link"),
}
# Under those prefixes but part of the complaints API (docs/complaints-api.md).
OTHER_APIS = ("/api/v1/indicators/complaints",)
REQUEST_BODIES = {
    ("put", "/api/v1/checks/{check_uuid}"): {"campaign", "kind", "recorded_at", "location", "answers"},
    # Without a deadline the campaign's rule for the severity sets it (docs/findings-api.md).
    ("post", "/api/v1/findings/{finding_id}/assign"): {"unit"},
    ("post", "/api/v1/findings/{finding_id}/verify"): {"outcome"},
    ("post", "/api/v1/findings/{finding_id}/merge"): {"into"},
    ("put", "/api/v1/findings/{finding_id}/rectifications/{rect_uuid}"): {
        "recorded_at",
        "location",
        "photos",
    },
}


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in doc["paths"].items()
        if path.startswith(API_PREFIXES) and not path.startswith(OTHER_APIS)
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }


@pytest.fixture
async def openapi(client: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_every_2xx_of_the_sync_and_findings_apis_has_a_schema_with_properties(
    openapi: dict[str, Any],
) -> None:
    found = operations(openapi)
    assert set(found) == EXPECTED
    lacking = []
    for (method, path), operation in found.items():
        successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        assert successes, (method, path)
        for code, response in successes.items():
            for media_type, content in response.get("content", {"-": {}}).items():
                if media_type == "application/pdf":
                    assert resolve(openapi, content["schema"])["type"] == "string"
                    continue
                schema = resolve(openapi, content.get("schema", {}))
                if not schema.get("properties"):
                    lacking.append((method, path, code, media_type))
    assert lacking == []


async def test_the_sync_puts_document_201_and_200_with_one_receipt(openapi: dict[str, Any]) -> None:
    found = operations(openapi)
    for key in [
        ("put", "/api/v1/checks/{check_uuid}"),
        ("put", "/api/v1/checks/{check_uuid}/photos/{photo_uuid}"),
        ("put", "/api/v1/findings/{finding_id}/rectifications/{rect_uuid}"),
        ("put", "/api/v1/rectifications/{rect_uuid}/photos/{photo_uuid}"),
    ]:
        responses = found[key]["responses"]
        assert {"200", "201"} <= set(responses), key
        schemas = {responses[c]["content"]["application/json"]["schema"]["$ref"] for c in ("200", "201")}
        assert len(schemas) == 1, key


async def test_request_bodies_are_documented_with_their_required_fields(openapi: dict[str, Any]) -> None:
    found = operations(openapi)
    for key, required in REQUEST_BODIES.items():
        body = found[key]["requestBody"]["content"]["application/json"]["schema"]
        schema = resolve(openapi, body)
        assert set(schema["required"]) == required, key
    check = resolve(openapi, {"$ref": "#/components/schemas/CheckBody"})
    assert set(resolve(openapi, check["properties"]["kind"])["enum"]) == {
        "patrol",
        "unannounced",
        "open",
        "recheck",
    }
    assert check["properties"]["recorded_at"]["format"] == "date-time"
    location = resolve(openapi, {"$ref": "#/components/schemas/LocationBody"})
    assert (location["properties"]["lat"]["minimum"], location["properties"]["lat"]["maximum"]) == (-90, 90)
    history = resolve(openapi, {"$ref": "#/components/schemas/EventOut"})
    assert "from" in history["properties"]  # the wire name, not the Python one


async def test_a_finding_as_answered_has_exactly_the_documented_fields(
    client: Any, openapi: dict[str, Any]
) -> None:
    finding = await new_finding(client)
    answer = await client.get(f"/api/v1/findings/{finding}", headers=await auth(client, "office"))
    assert answer.status_code == 200
    schema = resolve(openapi, {"$ref": "#/components/schemas/FindingDetail"})
    assert set(answer.json()) == set(schema["properties"])
    listed = await client.get("/api/v1/findings", headers=await auth(client, "office"))
    item = resolve(openapi, {"$ref": "#/components/schemas/FindingOut"})
    assert set(listed.json()["items"][0]) == set(item["properties"])


# --- the schemas' messages ----------------------------------------------------------------------------

MESSAGES = [
    # (where, value, field, English message, Chinese message)
    (("kind",), 7, "kind", "Kind must be one of patrol, unannounced, open, recheck.", "检查类型"),
    (("location", "lat"), "32.6", "location.lat", "Latitude must be a number from -90 to 90.", "纬度"),
    (("answers",), [], "answers", "Answer at least one checklist item.", None),
    (("answers", 0, "result"), True, "answers[0].result", "Result must be one of pass, fail, na.", None),
    (
        ("recorded_at",),
        "yesterday",
        "recorded_at",
        "Give a date and time like 2026-11-28T09:30:00+08:00.",
        None,
    ),
    (("photos",), [{"uuid": "not-one"}], "photos[0].uuid", "Must be a UUID made by the phone.", None),
    (("surprise",), 1, "surprise", "Unknown field.", "未知字段"),
]


@pytest.mark.parametrize("case", MESSAGES, ids=[m[2] for m in MESSAGES])
async def test_a_check_the_schema_refuses_is_422_with_the_fields_message_in_both_languages(
    client: Any, case: tuple[Any, ...]
) -> None:
    where, value, field, english, chinese = case
    body = check_body()
    target: Any = body
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    headers = await auth(client, "officer")
    response = await client.put(
        f"/api/v1/checks/{new_uuid()}", json=body, headers=headers | {"Accept-Language": "en"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": field, "message": english}]
    assert response.json()["message"] == "The check has mistakes; nothing was saved."
    zh = await client.put(f"/api/v1/checks/{new_uuid()}", json=body, headers=headers)
    (error,) = zh.json()["errors"]
    assert error["field"] == field
    assert error["message"] != english
    if chinese:
        assert chinese in error["message"]


async def test_unknown_fields_inside_an_answer_are_ignored_as_before(client: Any) -> None:
    body = check_body()
    body["answers"][0]["client_hint"] = "kept on the phone"
    body["location"]["altitude_m"] = 310
    response = await client.put(
        f"/api/v1/checks/{new_uuid()}", json=body, headers=await auth(client, "officer")
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"unit": "sanitation-office", "deadline": "2026-12-01T18:00:00"}, ["deadline"]),
        ({"unit": 5, "deadline": "in a week"}, ["unit", "deadline"]),
        ({"deadline": "PLACEHOLDER"}, ["unit"]),
        ({"unit": "sanitation-office", "deadline": "PLACEHOLDER", "reason": ["why"]}, ["reason"]),
    ],
)
async def test_an_assignment_the_schema_refuses_names_the_fields(
    client: Any, body: dict[str, Any], fields: list[str]
) -> None:
    finding = await new_finding(client)
    if body.get("deadline") == "PLACEHOLDER":
        body["deadline"] = future()
    response = await client.post(
        f"/api/v1/findings/{finding}/assign", json=body, headers=await auth(client, "lead")
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == fields
    assert (await client.get(f"/api/v1/findings/{finding}", headers=await auth(client, "lead"))).json()[
        "status"
    ] == "new"


@pytest.mark.parametrize(("outcome", "status"), [("approve", 422), (None, 422), (["close"], 422)])
async def test_a_verification_outcome_outside_the_schema_is_422(
    client: Any, outcome: Any, status: int
) -> None:
    finding = await new_finding(client)
    response = await client.post(
        f"/api/v1/findings/{finding}/verify",
        json={"outcome": outcome},
        headers=await auth(client, "lead") | {"Accept-Language": "en"},
    )
    assert response.status_code == status, response.text
    assert response.json()["errors"] == [{"field": "outcome", "message": "Use close or rework."}]


@pytest.mark.parametrize("body", [[1, 2], "close", None])
async def test_a_workflow_body_that_is_not_an_object_is_422(client: Any, body: Any) -> None:
    finding = await new_finding(client)
    response = await client.post(
        f"/api/v1/findings/{finding}/merge", json=body, headers=await auth(client, "lead")
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["message"]


async def test_every_field_that_does_not_fit_is_named_at_once(client: Any) -> None:
    body = check_body(kind="stroll", note=42, surprise=True)
    body["location"]["lat"] = 91
    del body["recorded_at"]
    response = await client.put(
        f"/api/v1/checks/{new_uuid()}",
        json=body,
        headers=await auth(client, "officer") | {"Accept-Language": "en"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "surprise", "message": "Unknown field."},
        {"field": "kind", "message": "Kind must be one of patrol, unannounced, open, recheck."},
        {"field": "recorded_at", "message": "Give a date and time like 2026-11-28T09:30:00+08:00."},
        {"field": "location.lat", "message": "Latitude must be a number from -90 to 90."},
        {"field": "note", "message": "Must be text."},
    ]
