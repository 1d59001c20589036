"""Error answers of the JSON API have the shape the OpenAPI schema documents for them, so a
client generated from the schema (and schemathesis in `make test-api`) reads them."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import token_for


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        path = node["$ref"].removeprefix("#/").split("/")
        node = schema
        for part in path:
            node = node[part]
    return node


def conforms(body: dict[str, Any], shape: dict[str, Any]) -> list[str]:
    python = {"string": str, "integer": int, "object": dict, "array": list, "null": type(None)}
    problems = [f"missing {key}" for key in shape.get("required", []) if key not in body]
    for key, prop in shape.get("properties", {}).items():
        if key in body and "type" in prop:
            types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            if not isinstance(body[key], tuple(python[t] for t in types if t in python)):
                problems.append(f"{key} is not {types}")
    return problems


@pytest.mark.parametrize(
    ("method", "path", "schema_path"),
    [
        ("post", "/api/v1/findings/1/assign", "/api/v1/findings/{finding_id}/assign"),
        ("post", "/api/v1/findings/1/verify", "/api/v1/findings/{finding_id}/verify"),
        ("put", f"/api/v1/checks/{'0' * 8}-0000-4000-8000-{'0' * 12}", "/api/v1/checks/{check_uuid}"),
    ],
)
async def test_a_malformed_body_is_answered_in_the_documented_400_shape(
    client: Any, method: str, path: str, schema_path: str
) -> None:
    schema = (await client.get("/api/v1/schema/openapi.json")).json()
    documented = resolve(schema, schema["paths"][schema_path][method]["responses"]["400"])
    shape = resolve(schema, documented["content"]["application/json"]["schema"])
    headers = await token_for(client, "lead") | {"Content-Type": "application/json"}
    response = await client.request(method, path, content=b"{not json", headers=headers)
    assert response.status_code == 400, response.text
    body = response.json()
    assert conforms(body, shape) == []
    assert body["error"] == "malformed_json" and body["message"]  # and what the app always said
