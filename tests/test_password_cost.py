"""Production hashes passwords with argon2id at its full cost; only the tests' servers ask for less."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher

from server.accounts.passwords import Passwords
from server.settings import Settings

SECRET = "a long enough secret"


def stored_hash(settings: Settings) -> str:
    passwords = Passwords(settings)
    try:
        return passwords.hash_sync(SECRET)
    finally:
        passwords.close()


def test_production_hashes_are_argon2id_at_full_cost(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XUNCHA_ARGON2_TIME_COST", raising=False)
    monkeypatch.delenv("XUNCHA_ARGON2_MEMORY_KIB", raising=False)
    for settings in (Settings(), Settings.from_env(data_dir=tmp_path, secret_key="not-for-production")):
        assert (settings.argon2_time_cost, settings.argon2_memory_kib) == (3, 64 * 1024)
        stored = stored_hash(settings)
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p="), stored
        assert PasswordHasher().verify(stored, SECRET)


def test_a_test_server_may_ask_for_cheaper_hashes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XUNCHA_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("XUNCHA_ARGON2_MEMORY_KIB", "8192")
    settings = Settings.from_env(data_dir=tmp_path, secret_key="not-for-production")
    stored = stored_hash(settings)
    assert stored.startswith("$argon2id$v=19$m=8192,t=1,p="), stored
    # Still a salted argon2id hash that any verifier accepts, and production's would rehash it.
    assert PasswordHasher().verify(stored, SECRET)
    assert PasswordHasher().check_needs_rehash(stored)
