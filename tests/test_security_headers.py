"""Headers the app itself sends on every response, 405 with Allow, and links not built from Host."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from conftest import check_body, login, make_settings, new_uuid, token_for
from server.app import create_app
from tests.support import fixture_photo

BASE = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")


def assert_base_headers(response: Any) -> None:
    assert response.headers["x-content-type-options"] == "nosniff", response.url
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


async def test_every_kind_of_response_carries_the_security_headers(client: Any) -> None:
    officer = await token_for(client, "officer")
    check, photo = new_uuid(), new_uuid()
    await client.put(f"/api/v1/checks/{check}", json=check_body(photos=[{"uuid": photo}]), headers=officer)
    uploaded = await client.put(
        f"/api/v1/checks/{check}/photos/{photo}",
        content=fixture_photo("gps_DSCN0021.jpg"),
        headers=officer | {"Content-Type": "image/jpeg"},
    )
    assert uploaded.status_code == 201
    responses = [
        await client.get("/login"),
        await client.get("/static/css/app.css"),
        await client.get("/sw.js"),
        await client.get("/no-such-page"),
        await client.get("/api/v1/me"),  # 401
        await client.get("/api/v1/me", headers=officer),
        await client.get(f"/api/v1/photos/{photo}", headers=officer),
        await client.get(f"/api/v1/photos/{photo}?size=thumb", headers=officer),
    ]
    for response in responses:
        assert_base_headers(response)


async def test_logged_in_pages_are_not_stored_but_static_files_and_photos_keep_their_rules(
    client: Any,
) -> None:
    await login(client, "officer")
    for url in ("/field", "/field/sanitation/new", "/api/v1/me"):
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store", url
    assert "no-store" not in (await client.get("/static/css/app.css")).headers.get("cache-control", "")
    assert (await client.get("/sw.js")).headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("method", ["TRACE", "DELETE", "PATCH", "FOO"])
async def test_unsupported_methods_are_405_with_allow(client: Any, method: str) -> None:
    response = await client.request(method, "/login")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert method not in response.headers["allow"]
    assert_base_headers(response)


async def _next_link(client: Any, headers: dict[str, str]) -> str:
    officer = await token_for(client, "officer")
    for _ in range(2):
        body = check_body()
        response = await client.put(f"/api/v1/checks/{new_uuid()}", json=body, headers=officer)
        assert response.status_code == 201
    listing = await client.get("/api/v1/checks?author=me&limit=1", headers=officer | headers)
    assert listing.status_code == 200, listing.text
    return listing.json()["next"]


async def test_next_links_are_not_built_from_the_host_header(client: Any) -> None:
    link = await _next_link(client, {"Host": "evil.example"})
    assert "evil.example" not in link
    assert link.startswith("/api/v1/checks?")
    page = await client.get(link, headers=await token_for(client, "officer"))
    assert page.status_code == 200 and len(page.json()["items"]) == 1


async def test_next_links_use_the_configured_public_address(settings: Any, tmp_path: Any) -> None:
    public = make_settings(
        settings.data_dir, settings.database_url, public_url="https://xuncha.example.gov.cn/"
    )
    async with AsyncTestClient(app=create_app(public), base_url="http://testserver.local") as client:
        link = await _next_link(client, {"Host": "evil.example"})
    assert link.startswith("https://xuncha.example.gov.cn/api/v1/checks?")
