"""`xuncha import KIND FILE [--dry-run]`: the office's import, from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from ..accounts.passwords import Passwords
from ..accounts.service import AccountService
from ..campaigns.service import CampaignService
from ..db import Database
from ..errors import AppError
from ..settings import Settings
from .service import AdminService


def _read(file: str) -> bytes:
    return Path(file).read_bytes()


async def import_cli(settings: Settings, kind: str, file: str, dry_run: bool) -> int:
    try:
        content = _read(file)  # one small file, read before any await matters
    except OSError as exc:
        print(f"error: cannot read {file}: {exc.strerror}", file=sys.stderr)
        return 2
    db = Database(settings)
    try:
        accounts = AccountService(db, settings, Passwords(settings))
        admin = AdminService(db, accounts, CampaignService(db))
        result = await admin.import_file(None, kind, content, dry_run=dry_run)
    except AppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for e in exc.errors:
            print(f"  row {e.get('row', '-')}, {e.get('field') or '-'}: {e.get('message')}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    prefix = "dry run, nothing changed: would be " if dry_run else ""
    print(
        f"{prefix}created {result['created']}, updated {result['updated']}, unchanged {result['unchanged']}"
    )
    for secret in result.get("one_time_passwords", []):
        print(
            f"  {secret['username']}: one-time password {secret['one_time_password']} (until {secret['expires_at']})"
        )
    return 0
