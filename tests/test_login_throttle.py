"""Password guessing is slowed per source and per (source, account), never by locking an account
for everyone, and a crowd of guesses cannot take the server's cores and memory."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from conftest import DEMO_PASSWORD
from server.accounts.throttle import Throttle, TrustedProxies, source_address
from server.app import create_app
from server.counters import Tally

EN = {"Accept-Language": "en"}


async def attempt(client: Any, username: str, password: str, source: str | None = None) -> Any:
    headers = EN | ({"X-Forwarded-For": source} if source else {})
    return await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}, headers=headers
    )


def behind_proxy(settings: Any, **changes: Any) -> AsyncTestClient[Any]:
    app = create_app(settings.with_(trusted_proxies=("*",), **changes))
    return AsyncTestClient(app=app, base_url="http://testserver.local")


def concurrent_client(settings: Any) -> httpx.AsyncClient:
    """Requests that really overlap (the test client runs one at a time); one check at a
    time, each slow enough that the others arrive while it runs."""
    slow = settings.with_(password_checks=1, argon2_time_cost=4, argon2_memory_kib=16 * 1024)
    transport = httpx.ASGITransport(app=create_app(slow), client=("192.0.2.1", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


async def test_a_guesser_cannot_lock_the_owner_out_of_their_own_account(settings: Any) -> None:
    async with behind_proxy(settings) as client:
        attacker, phone = "198.51.100.7", "203.0.113.9"
        statuses = [(await attempt(client, "lead", "guess", attacker)).status_code for _ in range(8)]
        assert statuses[-1] == 429 and 401 in statuses
        # The guesser's source waits, even with the right password...
        assert (await attempt(client, "lead", DEMO_PASSWORD, attacker)).status_code == 429
        # ...while the lead, from their own phone, logs in at once.
        owner = await attempt(client, "lead", DEMO_PASSWORD, phone)
        assert owner.status_code == 200, owner.text
        assert owner.json()["user"]["username"] == "lead"


async def test_unknown_wrong_and_locked_answer_alike(client: Any, settings: Any) -> None:
    known = [await attempt(client, "lead", "guess") for _ in range(settings.login_max_failures + 1)]
    unknown = [await attempt(client, "nobody-here", "guess") for _ in range(settings.login_max_failures + 1)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert known[-1].status_code == 429
    for k, u in zip(known, unknown, strict=True):
        assert k.json() == u.json()
        assert k.headers.get("retry-after") == u.headers.get("retry-after")
    assert known[-1].json()["message"] == "Too many wrong passwords. Try again in 1 minute(s)."


async def test_a_source_spraying_many_usernames_is_slowed(settings: Any) -> None:
    async with behind_proxy(settings, login_source_max_failures=6) as client:
        sprayer = "198.51.100.20"
        statuses = [(await attempt(client, f"user-{n}", "guess", sprayer)).status_code for n in range(7)]
        # The sixth failure from the source starts its wait, though no username was tried twice.
        assert statuses == [401] * 5 + [429] * 2
        fresh = await attempt(client, "officer", DEMO_PASSWORD, sprayer)
        assert fresh.status_code == 429 and int(fresh.headers["retry-after"]) > 0
        # Other sources are not affected.
        assert (await attempt(client, "officer", DEMO_PASSWORD, "203.0.113.30")).status_code == 200


async def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(client: Any, settings: Any) -> None:
    # Not behind a trusted proxy: a client that writes a new X-Forwarded-For each time
    # is still one source.
    statuses = [
        (await attempt(client, "nobody-here", "guess", f"192.0.2.{n}")).status_code
        for n in range(settings.login_max_failures)
    ]
    assert statuses[-1] == 429


def test_the_source_behind_a_trusted_proxy_is_the_address_the_proxy_saw() -> None:
    def scope(peer: str, forwarded: str | None) -> dict[str, Any]:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return {"client": (peer, 4000), "headers": headers}

    proxies = TrustedProxies(["10.0.0.0/8"])
    # The client's own claim (left) is not believed; the hop the proxy appended is.
    assert source_address(scope("10.0.0.2", "6.6.6.6, 203.0.113.4"), proxies) == "203.0.113.4"
    assert source_address(scope("10.0.0.2", "203.0.113.4, 10.0.0.9"), proxies) == "203.0.113.4"
    # A peer that is not a trusted proxy is the source, whatever it writes.
    assert source_address(scope("203.0.113.8", "6.6.6.6"), proxies) == "203.0.113.8"
    assert source_address(scope("203.0.113.8", "6.6.6.6"), TrustedProxies([])) == "203.0.113.8"
    # One IPv6 client holds a /64: it is one source.
    assert source_address(scope("2001:db8:1:2::5", None), proxies) == "2001:db8:1:2::/64"


async def test_password_checks_beyond_the_cap_are_refused_at_once(settings: Any) -> None:
    # One check at a time, each slow enough that the others arrive while it runs.
    async with concurrent_client(settings) as client:
        answers = await asyncio.gather(*(attempt(client, f"user-{n}", "guess") for n in range(8)))
    statuses = sorted(r.status_code for r in answers)
    assert 401 in statuses, statuses
    busy = [r for r in answers if r.status_code == 429]
    assert busy, statuses
    for response in busy:
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"] == "busy"
        assert "busy checking passwords" in response.json()["message"]


async def test_the_login_form_says_when_the_server_is_busy(settings: Any) -> None:
    from conftest import csrf_from

    async with concurrent_client(settings) as client:
        csrf = csrf_from((await client.get("/login")).text)

        async def post(n: int) -> Any:
            form = {"username": f"user-{n}", "password": "guess", "_csrf": csrf}
            return await client.post("/login", data=form, headers=EN, follow_redirects=False)

        answers = await asyncio.gather(*(post(n) for n in range(6)))
    busy = [r for r in answers if r.status_code == 429]
    assert busy and all(r.headers["retry-after"] == "1" for r in busy)
    assert "busy checking passwords" in busy[0].text and 'name="username"' in busy[0].text


async def test_a_waiting_source_is_answered_no_faster_than_a_wrong_password(settings: Any) -> None:
    slow = settings.with_(argon2_time_cost=4, argon2_memory_kib=16 * 1024)
    async with AsyncTestClient(app=create_app(slow), base_url="http://testserver.local") as client:
        wrong = []
        for _ in range(slow.login_max_failures - 1):
            started = time.perf_counter()
            assert (await attempt(client, "nobody-here", "guess")).status_code == 401
            wrong.append(time.perf_counter() - started)
        assert (await attempt(client, "nobody-here", "guess")).status_code == 429
        started = time.perf_counter()
        assert (await attempt(client, "nobody-here", "guess")).status_code == 429
        waiting = time.perf_counter() - started
    # Sleeping never ends early, so this lower bound holds however busy the machine is.
    assert waiting >= 0.5 * min(wrong), (waiting, wrong)


async def test_a_source_that_ignores_retry_after_spends_its_allowance(settings: Any) -> None:
    async with concurrent_client(settings.with_(login_source_max_failures=3)) as client:
        answers = await asyncio.gather(*(attempt(client, f"user-{n}", "guess") for n in range(8)))
        assert sum(r.status_code == 429 for r in answers) >= 3
        # The source came back before the second it was asked to wait, several times: it now
        # waits like a guesser, even with the right password.
        late = await attempt(client, "officer", DEMO_PASSWORD)
        assert late.status_code == 429
        assert late.json()["message"].startswith("Too many wrong passwords")


def test_failures_under_the_limit_make_nobody_wait_even_one_recorded_a_moment_later() -> None:
    # Eight logins at once from one office's address: one that started at 1000.0 reads the tally
    # after another recorded its failure at 1000.4. Under the limit that is no reason to wait.
    throttle = Throttle(counters=None, name="login-source", limit=5, first_wait=60, max_wait=900)  # type: ignore[arg-type]
    assert throttle.remaining(Tally(count=4, last_at=1000.4), now=1000.0) == 0
    # At the limit the wait runs from the latest failure.
    assert throttle.remaining(Tally(count=5, last_at=1000.4), now=1000.0) == 61
