"""Accounts: logging in and out, sessions that outlive the process, CSRF, lockout, languages, roles."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from conftest import DEMO_PASSWORD, check_body, csrf_from, login, new_uuid, token_for
from server.accounts import service as account_service
from server.accounts.admin import create_user
from server.app import create_app
from server.db import Database
from server.models import AuthToken, User, utcnow
from tests.support import row_counts

EN = {"Accept-Language": "en"}
HOMES = {
    "officer": "/field",
    "supervisor": "/field",
    "lead": "/desk",
    "handler": "/unit",
    "office": "/office",
}


async def post_login(client: Any, username: str, password: str, **extra: str) -> Any:
    page = await client.get("/login")
    form = {"username": username, "password": password, "_csrf": csrf_from(page.text)} | extra
    return await client.post("/login", data=form, headers=EN, follow_redirects=False)


async def token_attempt(client: Any, username: str, password: str) -> Any:
    return await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}, headers=EN
    )


def set_cookie(response: Any, name: str) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    return None


class Clock:
    """Moves the accounts' clock forward, as if the person waited."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        monkeypatch.setattr(account_service, "utcnow", lambda: utcnow() + self.offset)

    def wait(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


# --- the login page -----------------------------------------------------------------------------------


async def test_the_login_page_is_a_plain_form(client: Any) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    form = re.search(r'<form method="post" action="/login".*?</form>', response.text, re.S)
    assert form, "a form that posts to /login"
    assert 'name="username"' in form.group(0)
    assert 'name="password" type="password"' in form.group(0)
    assert csrf_from(form.group(0))


@pytest.mark.parametrize("username", list(HOMES))
async def test_logging_in_leads_to_the_home_of_the_role(client: Any, username: str) -> None:
    response = await post_login(client, username, DEMO_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == HOMES[username]
    cookie = set_cookie(response, "xuncha_session")
    assert cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = await client.get(HOMES[username], follow_redirects=False)
    assert home.status_code == 200
    # Already logged in, the login page sends the person home.
    again = await client.get("/login", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == HOMES[username]


async def test_login_goes_on_to_the_page_asked_for_but_only_on_this_site(client: Any) -> None:
    asked = await client.get("/field/checks", follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"] == "/login?next=%2Ffield%2Fchecks"
    assert (await post_login(client, "officer", DEMO_PASSWORD, next="/field/checks")).headers[
        "location"
    ] == "/field/checks"
    client.cookies.clear()
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = await post_login(client, "officer", DEMO_PASSWORD, next=elsewhere)
        assert response.headers["location"] == "/field", elsewhere
        client.cookies.clear()


async def test_a_wrong_password_is_refused_with_a_message(client: Any) -> None:
    response = await post_login(client, "officer", "not-the-password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert 'value="officer"' in response.text  # the username is kept, only the password is retyped
    assert set_cookie(response, "xuncha_session") is None
    assert (await client.get("/field", follow_redirects=False)).status_code == 303
    # An unknown username gets the very same answer: the form does not tell which accounts exist.
    unknown = await post_login(client, "nobody-here", "not-the-password")
    assert unknown.status_code == 401 and "Wrong username or password." in unknown.text
    api = await token_attempt(client, "officer", "not-the-password")
    assert api.status_code == 401 and api.json()["message"] == "Wrong username or password."


# --- the lockout --------------------------------------------------------------------------------------


async def test_repeated_wrong_passwords_lock_the_account_for_a_while_only(
    client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    limit = settings.login_max_failures
    for _attempt in range(limit - 1):
        assert (await token_attempt(client, "officer", "guess")).status_code == 401
    locked = await token_attempt(client, "officer", "guess")
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == str(settings.login_lockout_seconds)
    assert "Try again in 1 minute(s)." in locked.json()["message"]
    # While locked, even the right password waits, on the form as through the API.
    assert (await token_attempt(client, "officer", DEMO_PASSWORD)).status_code == 429
    form = await post_login(client, "officer", DEMO_PASSWORD)
    assert form.status_code == 429 and "Too many wrong passwords" in form.text
    # Another account is not affected.
    assert (await token_attempt(client, "officer2", DEMO_PASSWORD)).status_code == 200

    clock.wait(settings.login_lockout_seconds + 1)
    assert (await token_attempt(client, "officer", DEMO_PASSWORD)).status_code == 200
    # A success forgives the earlier failures: the next typo is not a lockout.
    assert (await token_attempt(client, "officer", "typo")).status_code == 401


async def test_the_wait_doubles_but_never_exceeds_the_cap(
    client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    for _attempt in range(settings.login_max_failures - 1):
        await token_attempt(client, "officer", "guess")
    waits = []
    for _round in range(7):
        locked = await token_attempt(client, "officer", "guess")
        assert locked.status_code == 429
        waits.append(int(locked.headers["retry-after"]))
        clock.wait(waits[-1] + 1)
    first, cap = settings.login_lockout_seconds, settings.login_lockout_max_seconds
    assert waits == [min(first * 2**n, cap) for n in range(7)]
    assert waits[-1] == cap
    # The owner, having waited, gets in.
    assert (await post_login(client, "officer", DEMO_PASSWORD)).status_code == 303


# --- what is stored -----------------------------------------------------------------------------------


async def test_passwords_are_argon2id_hashes_and_tokens_are_stored_hashed(client: Any, settings: Any) -> None:
    secret = "a long enough secret"
    for username in ("new-one", "new-two"):
        await create_user(settings, username, "officer", "maojian", secret, username)
    raw = (await token_attempt(client, "new-one", secret)).json()["token"]
    db = Database(settings)
    try:
        async with db.read() as session:
            hashes = dict((await session.execute(select(User.username, User.password_hash))).all())
            tokens = (await session.scalars(select(AuthToken.token_hash))).all()
    finally:
        await db.dispose()
    assert len(hashes) >= 7
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert all(DEMO_PASSWORD not in h and secret not in h for h in hashes.values())
    # Salted: the same password makes different hashes, each of which verifies.
    assert hashes["new-one"] != hashes["new-two"]
    assert PasswordHasher().verify(hashes["new-one"], secret)
    assert PasswordHasher().verify(hashes["officer"], DEMO_PASSWORD)
    assert raw not in tokens
    assert hashlib.sha256(raw.encode()).hexdigest() in tokens


# --- sessions -----------------------------------------------------------------------------------------


async def test_a_session_survives_a_restart_of_the_server(settings: Any) -> None:
    # No secret in the settings: the server makes one and keeps it in the data dir, as in production.
    first_settings = settings.with_(secret_key="").resolved()
    async with AsyncTestClient(app=create_app(first_settings), base_url="http://testserver.local") as before:
        await login(before, "officer")
        cookies = dict(before.cookies.items())
    assert "xuncha_session" in cookies

    restarted = settings.with_(secret_key="").resolved()
    assert restarted.secret_key == first_settings.secret_key
    async with AsyncTestClient(
        app=create_app(restarted), base_url="http://testserver.local", cookies=cookies
    ) as after:
        home = await after.get("/field", headers=EN, follow_redirects=False)
        assert home.status_code == 200
        assert "Zhang Wei" in home.text  # the officer's name in the logout button's title
        # The CSRF token of the page still matches: the session and the key both came back.
        out = await after.post("/logout", data={"_csrf": csrf_from(home.text)}, follow_redirects=False)
        assert out.status_code == 303


async def test_logout_ends_the_session_on_the_server(client: Any) -> None:
    csrf = await login(client, "officer")
    session = client.cookies.get("xuncha_session")
    response = await client.post("/logout", data={"_csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cleared = set_cookie(response, "xuncha_session")
    assert cleared and "Max-Age=0" in cleared
    assert (await client.get("/field", follow_redirects=False)).status_code == 303
    # A copy of the cookie kept from before the logout is worth nothing either.
    client.cookies.set("xuncha_session", session)
    assert (await client.get("/field", follow_redirects=False)).status_code == 303
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_logout_needs_a_login(client: Any) -> None:
    page = await client.get("/login")
    response = await client.post("/logout", data={"_csrf": csrf_from(page.text)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# --- CSRF ---------------------------------------------------------------------------------------------


async def test_the_login_form_needs_its_csrf_token(client: Any) -> None:
    await client.get("/login")  # the browser has its CSRF cookie
    response = await client.post(
        "/login", data={"username": "officer", "password": DEMO_PASSWORD}, headers=EN, follow_redirects=False
    )
    assert response.status_code == 403
    assert "CSRF check failed" in response.text
    assert set_cookie(response, "xuncha_session") is None


async def test_a_csrf_token_from_another_browser_is_refused(client: Any, settings: Any) -> None:
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as other:
        foreign = csrf_from((await other.get("/login")).text)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": "officer", "password": DEMO_PASSWORD, "_csrf": foreign},
        follow_redirects=False,
    )
    assert response.status_code == 403


async def test_forms_of_a_logged_in_person_need_the_token(client: Any, settings: Any) -> None:
    csrf = await login(client, "officer")
    before = await row_counts(settings)
    for path, form in (
        ("/logout", {}),
        ("/lang", {"locale": "en"}),
        (
            "/field/sanitation/new",
            {"uuid": new_uuid(), "r_san-01": "pass", "manual_lat": "32.63", "manual_lon": "110.79"},
        ),
    ):
        response = await client.post(path, data=form, headers=EN, follow_redirects=False)
        assert response.status_code == 403, path
        assert "CSRF check failed" in response.text, path
        # Another last character, whatever the real one is (a token ending in "0" would otherwise pass).
        other = csrf[:-1] + ("1" if csrf.endswith("0") else "0")
        wrong = await client.post(path, data=form | {"_csrf": other}, follow_redirects=False)
        assert wrong.status_code == 403, path
    assert await row_counts(settings) == before
    # Nothing of it logged the person out or switched the language.
    still = await client.get("/field", follow_redirects=False)
    assert still.status_code == 200 and '<html lang="zh-CN">' in still.text


async def test_the_api_with_a_session_cookie_needs_the_csrf_header(client: Any, settings: Any) -> None:
    csrf = await login(client, "officer")
    before = await row_counts(settings)
    refused = await client.put(f"/api/v1/checks/{new_uuid()}", json=check_body(), headers=EN)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["message"]
    assert await row_counts(settings) == before
    accepted = await client.put(
        f"/api/v1/checks/{new_uuid()}", json=check_body(), headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 201
    # The same token is handed to the page's scripts through /api/v1/me.
    assert (await client.get("/api/v1/me")).json()["csrf_token"] == csrf


async def test_bearer_tokens_need_no_csrf(client: Any) -> None:
    response = await client.post(
        "/api/v1/auth/token", json={"username": "officer", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "officer" and body["user"]["role"] == "officer"
    assert body["expires_at"]
    assert set_cookie(response, "xuncha_session") is None
    client.cookies.clear()
    put = await client.put(
        f"/api/v1/checks/{new_uuid()}",
        json=check_body(),
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert put.status_code == 201
    assert set_cookie(put, "xuncha_csrf") is None  # a program gets no browser cookie either


# --- languages ----------------------------------------------------------------------------------------


async def test_pages_follow_the_browser_language_and_default_to_chinese(client: Any) -> None:
    await login(client, "officer")
    chinese = await client.get("/field")
    assert '<html lang="zh-CN">' in chinese.text and "录入检查" in chinese.text
    english = await client.get("/field", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Record a check" in english.text
    assert "录入检查" not in english.text
    other = await client.get("/field", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="zh-CN">' in other.text


async def test_the_language_switch_is_kept(client: Any) -> None:
    page = await client.get("/login")
    assert 'action="/lang"' in page.text and 'value="en"' in page.text  # the switch is on every page
    response = await client.post(
        "/lang",
        data={"locale": "en", "next": "/login", "_csrf": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cookie = set_cookie(response, "xuncha_lang")
    assert cookie and "xuncha_lang=en" in cookie and "Max-Age=31536000" in cookie
    # The choice beats the browser's Accept-Language, on pages and in the API's messages.
    chosen = await client.get("/login", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in chosen.text and "Log in" in chosen.text
    csrf = await login(client, "officer")
    assert "Record a check" in (await client.get("/field", headers={"Accept-Language": "zh-CN"})).text
    api = await client.get(f"/api/v1/checks/{new_uuid()}", headers={"Accept-Language": "zh-CN"})
    assert api.json()["message"] == "There is no check with this UUID that you may see."

    back = await client.post(
        "/lang", data={"locale": "zh_CN", "next": "/field", "_csrf": csrf}, follow_redirects=False
    )
    assert back.headers["location"] == "/field"
    assert "录入检查" in (await client.get("/field", headers=EN)).text

    unknown = await client.post("/lang", data={"locale": "fr", "_csrf": csrf}, follow_redirects=False)
    assert unknown.status_code == 422
    offsite = await client.post(
        "/lang", data={"locale": "en", "next": "https://evil.example/", "_csrf": csrf}, follow_redirects=False
    )
    assert offsite.headers["location"] == "/"


# --- roles --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/office", "/desk", "/unit"])
async def test_an_officer_on_a_route_of_another_role_gets_403(client: Any, path: str) -> None:
    await login(client, "officer")
    response = await client.get(path, headers=EN, follow_redirects=False)
    assert response.status_code == 403
    assert "Your role may not do this." in response.text
    api = await client.get(path, headers=EN | {"Accept": "application/json"}, follow_redirects=False)
    assert api.status_code == 403 and api.json()["message"] == "Your role may not do this."


async def test_the_office_reaches_its_own_page(client: Any) -> None:
    await login(client, "office")
    assert (await client.get("/office", follow_redirects=False)).status_code == 200


async def test_without_a_login_pages_send_to_the_login_form_and_the_api_says_401(client: Any) -> None:
    page = await client.get("/office", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Foffice"
    api = await client.get("/api/v1/me", headers=EN)
    assert api.status_code == 401 and api.json()["message"]
    expired = await client.get("/api/v1/me", headers={"Authorization": "Bearer " + "x" * 43})
    assert expired.status_code == 401


async def test_a_handler_may_not_open_the_officers_pages(client: Any) -> None:
    handler = await token_for(client, "handler")
    response = await client.get("/field", headers=handler | EN, follow_redirects=False)
    assert response.status_code == 403


async def test_healthz_answers_without_a_login(client: Any) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"
    assert response.headers["content-type"].startswith("text/plain")
