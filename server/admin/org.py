"""The rules for units and accounts: the bureau's tree and the people in it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..errors import Invalid, NotFound
from ..i18n import gettext as _
from ..models import Role, Unit, UnitKind, User, utcnow
from .fields import USERNAME, Body, coded_body
from .passwords import one_time_password
from .registry import Registry, save, update

UNIT_FIELDS = {"name_zh", "name_en", "kind", "parent", "leader_in_charge", "active"}
USER_FIELDS = {"name", "name_en", "role", "unit", "active"}
ONE_TIME_VALID = timedelta(hours=72)


async def put_unit(reg: Registry, code: str, data: Any) -> str:
    body, name_zh, name_en = coded_body(data, UNIT_FIELDS, code, "name_zh")
    errors = body.errors
    kind = body.choice("kind", [k.value for k in UnitKind])
    parent_code = body.ref("parent")
    leader_name = body.ref("leader_in_charge")
    active = body.flag("active")
    units = await reg.units()
    unit = units.get(code)
    parent_id = leader_id = None
    if parent_code:
        parent = units.get(parent_code)
        if parent is None:
            errors.add("parent", _("Unknown parent unit %(code)s.", code=parent_code))
        else:
            parent_id = parent.id
            # Walk up from the new parent: meeting this unit means a loop.
            seen, cursor = set(), parent
            by_id = {u.id: u for u in units.values()}
            while cursor is not None and cursor.id not in seen:
                if unit is not None and cursor.id == unit.id or cursor.code == code:
                    errors.add(
                        "parent",
                        _("A unit cannot be its own ancestor: %(code)s is below it.", code=parent_code),
                    )
                    break
                seen.add(cursor.id)
                cursor = by_id.get(cursor.parent_id) if cursor.parent_id else None
    if leader_name:
        leader = (await reg.users()).get(leader_name)
        if leader is None or not leader.active:
            errors.add("leader_in_charge", _("No active account %(name)s.", name=leader_name))
        else:
            leader_id = leader.id
    errors.raise_if_any(_("The unit has mistakes; nothing was saved."))
    values = {
        "name_zh": name_zh,
        "name_en": name_en,
        "kind": kind,
        "parent_id": parent_id,
        "leader_in_charge_id": leader_id,
        "active": active,
    }
    return await save(reg, "unit", Unit, units, code, values)


async def put_user(reg: Registry, username: str, data: Any) -> tuple[str, dict[str, Any] | None]:
    """Create or update an account; a new one gets a one-time password, returned once."""
    body = Body(data, USER_FIELDS)
    errors = body.errors
    username = username.strip().lower()
    if not USERNAME.match(username):
        errors.add(
            "username",
            _("A username is 2-40 characters: lowercase letters, digits, dot, underscore, hyphen."),
        )
    values: dict[str, Any] = {
        "display_name": body.text("name", 80, required=True),
        "display_name_en": body.text("name_en", 120),
        "role": body.choice("role", [r.value for r in Role]),
    }
    unit_code = body.ref("unit", required=True)
    values["active"] = body.flag("active")
    unit = await reg.active_unit(unit_code, errors, "unit")
    users = await reg.users()
    user = users.get(username)
    if user is not None and user.id == reg.actor_id:
        if not values["active"]:
            errors.add("active", _("You cannot retire your own account; ask another office member."))
        if values["role"] and values["role"] != user.role:
            errors.add("role", _("You cannot change your own role; ask another office member."))
    errors.raise_if_any(_("The account has mistakes; nothing was saved."))
    assert unit is not None and values["role"] is not None
    values["unit_id"] = unit.id
    if user is None:
        secret = one_time_password()
        now = utcnow()
        user = users[username] = User(
            username=username,
            password_hash=await _hash(reg, secret),
            must_change_password=True,
            password_expires_at=now + ONE_TIME_VALID,
            password_set_at=now,
            **values,
        )
        user.unit = unit
        reg.session.add(user)
        await reg.session.flush()
        reg.audit.record("user.created", "user", user)
        return "created", {
            "username": username,
            "one_time_password": secret,
            "expires_at": user.password_expires_at.isoformat(),
        }
    if update(reg, user, "user", values) == "unchanged":
        return "unchanged", None
    if user.unit_id == unit.id:
        user.unit = unit
    reg.touched_users.add(user.id)
    if not values["active"]:
        reg.revoke_users.add(user.id)
    return "updated", None


async def reset_password(reg: Registry, username: str) -> dict[str, Any]:
    user = (await reg.users()).get(username)
    if user is None:
        raise NotFound(_("There is no account %(name)s.", name=username))
    if not user.active:
        raise Invalid(
            _("The account is retired; make it active first."),
            errors=[{"field": "active", "message": _("The account is retired.")}],
        )
    secret = one_time_password()
    now = utcnow()
    user.password_hash = await _hash(reg, secret)
    user.must_change_password = True
    user.password_expires_at = now + ONE_TIME_VALID
    user.password_set_at = now
    user.failed_logins = 0
    user.locked_until = None
    reg.audit.record("user.password_reset", "user", user)
    reg.touched_users.add(user.id)
    # Whoever held the old password may still be logged in: they are logged out.
    reg.revoke_users.add(user.id)
    return {"one_time_password": secret, "expires_at": user.password_expires_at.isoformat()}


async def _hash(reg: Registry, secret: str) -> str:
    return await reg.passwords.hash(secret)
