"""Account administration shared by the CLI and the office's pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from ..admin.passwords import new_password_problem
from ..audit.chain import AuditLog
from ..db import Database
from ..models import Role, Unit, User, utcnow
from ..settings import Settings
from .passwords import Passwords, password_problem

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


async def create_user(
    settings: Settings, username: str, role: str, unit_code: str, password: str, display_name: str
) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise ValueError("a username is 2-40 characters: lowercase letters, digits, dot, underscore, hyphen")
    if role not in Role.__members__:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(Role.__members__)}")
    problem = password_problem(password) or new_password_problem(password, username)
    if problem:
        raise ValueError(problem)
    db = Database(settings)
    try:
        async with db.write() as session:
            unit = await session.scalar(select(Unit).where(Unit.code == unit_code))
            if unit is None:
                raise ValueError(f"unknown unit {unit_code!r}")
            if await session.scalar(select(User.id).where(User.username == username)) is not None:
                raise ValueError(f"the username {username!r} is taken")
            user = User(
                username=username,
                display_name=display_name[:80],
                role=role,
                unit_id=unit.id,
                password_hash=Passwords(settings).hash_sync(password),
                password_set_at=utcnow(),
            )
            session.add(user)
            await session.flush()
            # Accounts are audited records: one made here is in the trail like the office's.
            audit = AuditLog(actor_id=None)
            audit.record("user.created", "user", user)
            await audit.write(session)
    finally:
        await db.dispose()
    return f"created {username} ({role}, {unit_code})"


async def _with_account(settings: Settings, username: str, action: str) -> str:
    from .service import AccountService

    async with Database(settings) as db:
        accounts = AccountService(db, settings, Passwords(settings))
        user_id = await accounts.user_id(username)
        if user_id is None:
            raise ValueError(f"unknown user {username!r}")
        ended = await (accounts.disable(user_id) if action == "disable" else accounts.revoke_all(user_id))
    done = "disabled" if action == "disable" else "logged out"
    return f"{username}: {done}; {ended} session(s) and token(s) ended"


async def revoke_user(settings: Settings, username: str) -> str:
    """Every session and token of the account ends; the password still works (a lost phone)."""
    return await _with_account(settings, username, "revoke")


async def disable_user(settings: Settings, username: str) -> str:
    """The account can no longer log in, and every session and token of it ends."""
    return await _with_account(settings, username, "disable")
