"""Password rules for the accounts the office keeps, and one-time passwords."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from ..accounts.passwords import MIN_PASSWORD_LENGTH
from ..i18n import gettext as _

# Letters and digits that cannot be mistaken for one another when read out on the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_LENGTH = 12


@cache
def common_passwords() -> frozenset[str]:
    # The most common passwords of public breach lists, shipped with the package.
    text = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def new_password_problem(password: str, username: str = "") -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 256:
        return _("The password must have at most 256 characters.")
    lowered = password.lower()
    if lowered in common_passwords() or (username and username.lower() in lowered):
        return _("This password is among the most common ones or contains the username; choose another.")
    if len(set(password)) < 4:
        return _("This password repeats too few characters; choose another.")
    return None


def one_time_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_LENGTH))
