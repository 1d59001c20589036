"""Tokens and sessions that can be taken back: by their holder, on logout, and for a whole account."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from conftest import DEMO_PASSWORD, login, token_for
from server.app import create_app
from server.db import Database
from server.models import AuthToken, User
from tests.support import REPO_ROOT

EN = {"Accept-Language": "en"}


async def me(client: Any, headers: dict[str, str] | None = None) -> int:
    return (await client.get("/api/v1/me", headers=(headers or {}) | EN)).status_code


async def tokens_of(settings: Any, username: str) -> int:
    db = Database(settings)
    try:
        async with db.read() as session:
            return await session.scalar(
                select(func.count(AuthToken.id)).join(User).where(User.username == username)
            )
    finally:
        await db.dispose()


async def test_a_token_revoked_by_its_holder_stops_working(client: Any) -> None:
    phone, tablet = await token_for(client, "officer"), await token_for(client, "officer")
    assert await me(client, phone) == 200
    response = await client.delete("/api/v1/auth/token", headers=phone)
    assert response.status_code == 204
    assert await me(client, phone) == 401
    # Only the token used: the officer's other device stays logged in.
    assert await me(client, tablet) == 200
    # Without a token there is nothing to revoke.
    assert (await client.delete("/api/v1/auth/token", headers=phone | EN)).status_code == 401


async def test_logout_with_a_bearer_token_revokes_it(client: Any) -> None:
    phone = await token_for(client, "officer")
    response = await client.post("/logout", headers=phone, follow_redirects=False)
    assert response.status_code == 303
    assert await me(client, phone) == 401


async def test_a_session_can_revoke_itself_with_its_csrf_token(client: Any) -> None:
    csrf = await login(client, "officer")
    assert (await client.delete("/api/v1/auth/token")).status_code == 403  # no CSRF header
    assert (await client.delete("/api/v1/auth/token", headers={"X-CSRF-Token": csrf})).status_code == 204
    assert await me(client) == 401


@pytest.fixture
async def same_loop(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app served in the test's own event loop, so the test may call its services directly
    (the test client serves it from another loop, whose database connections are not the test's)."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client
    await app.state.db.dispose()


async def test_revoking_an_account_ends_all_its_sessions_and_tokens(same_loop: Any) -> None:
    client = same_loop
    phone, tablet = await token_for(client, "officer"), await token_for(client, "officer")
    other = await token_for(client, "officer2")
    await login(client, "officer")
    for credential in (None, phone, tablet):
        assert await me(client, credential) == 200
    accounts = client.app.state.accounts
    officer_id = await accounts.user_id("officer")
    assert await accounts.revoke_all(officer_id) == 3
    for credential in (None, phone, tablet):
        assert await me(client, credential) == 401
    assert await me(client, other) == 200
    # The password still works: a lost phone is no reason to lock out its owner.
    client.cookies.clear()
    assert await me(client, await token_for(client, "officer")) == 200


async def test_a_new_password_ends_every_session_and_token(same_loop: Any) -> None:
    client = same_loop
    phone = await token_for(client, "officer")
    accounts = client.app.state.accounts
    assert await accounts.set_password(await accounts.user_id("officer"), "a new long secret") == 1
    assert await me(client, phone) == 401
    refused = await client.post("/api/v1/auth/token", json={"username": "officer", "password": DEMO_PASSWORD})
    assert refused.status_code == 401
    assert await me(client, await token_for(client, "officer", "a new long secret")) == 200


async def test_a_disabled_account_is_logged_out_and_cannot_log_in(same_loop: Any) -> None:
    client = same_loop
    phone = await token_for(client, "officer")
    accounts = client.app.state.accounts
    assert await accounts.disable(await accounts.user_id("officer")) == 1
    assert await me(client, phone) == 401
    answer = await client.post(
        "/api/v1/auth/token", json={"username": "officer", "password": DEMO_PASSWORD}, headers=EN
    )
    # The same answer as a wrong password: nothing tells that the account exists.
    assert answer.status_code == 401 and answer.json()["message"] == "Wrong username or password."


async def xuncha(settings: Any, *args: str) -> tuple[int, str, str]:
    env = os.environ | {
        "XUNCHA_DATA_DIR": str(settings.data_dir),
        "XUNCHA_DATABASE_URL": settings.database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_night_a_phone_is_lost(client: Any, settings: Any) -> None:
    phone = await token_for(client, "officer")
    await token_for(client, "officer")
    kept = await token_for(client, "officer2")

    code, out, _err = await xuncha(settings, "user", "revoke", "officer")
    assert code == 0 and "2 session(s) and token(s) ended" in out
    assert await tokens_of(settings, "officer") == 0
    # Another server process, which had not seen the token before, refuses it; the password still works.
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as fresh:
        assert await me(fresh, phone) == 401
        assert await me(fresh, kept) == 200
        again = await token_for(fresh, "officer")

    code, out, _err = await xuncha(settings, "user", "disable", "officer")
    assert code == 0 and "disabled" in out
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as fresh:
        assert await me(fresh, again) == 401
        login_again = await fresh.post(
            "/api/v1/auth/token", json={"username": "officer", "password": DEMO_PASSWORD}
        )
        assert login_again.status_code == 401

    code, _out, err = await xuncha(settings, "user", "revoke", "nobody-here")
    assert code == 2 and "unknown user 'nobody-here'" in err
