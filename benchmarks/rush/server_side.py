"""What the rush needs from the server's database: officer accounts with API tokens before it,
and the counts read back by SQL after it."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from server.accounts.passwords import Passwords
from server.accounts.service import token_hash
from server.audit.chain import AuditLog
from server.db import Database
from server.models import AuditEntry, AuthToken, Check, Finding, Photo, PhotoJob, Unit, User, utcnow
from server.photos.store import PhotoMissing, make_store, original_key
from server.settings import Settings
from tests.live import REPO

from .phone import Officer


async def seed_officers(settings: Settings, prefix: str, count: int) -> list[tuple[str, str]]:
    """`count` officer accounts (audited, as the office's are) and an API token for each."""
    db = Database(settings)
    password_hash = Passwords(settings).hash_sync(secrets.token_urlsafe(16))
    tokens: list[tuple[str, str]] = []
    try:
        async with db.write() as session:
            unit_id = await session.scalar(select(Unit.id).where(Unit.code == "maojian"))
            users = [
                User(
                    username=f"{prefix}{i:04d}",
                    display_name=f"Rush {i}",
                    role="officer",
                    unit_id=unit_id,
                    password_hash=password_hash,
                    password_set_at=utcnow(),
                )
                for i in range(count)
            ]
            session.add_all(users)
            await session.flush()
            audit = AuditLog(actor_id=None)
            for user in users:
                audit.record("user.created", "user", user)
                raw = secrets.token_urlsafe(32)
                session.add(
                    AuthToken(
                        token_hash=token_hash(raw),
                        kind="bearer",
                        user_id=user.id,
                        expires_at=utcnow() + timedelta(days=1),
                    )
                )
                tokens.append((user.username, raw))
            await audit.write(session)
    finally:
        await db.dispose()
    return tokens


@dataclass
class Counts:
    sent_checks: int = 0
    sent_photos: int = 0
    acked_checks: int = 0
    acked_photos: int = 0
    server_checks: int = 0
    server_photos: int = 0  # marked received
    duplicated: dict[str, int] = field(default_factory=dict)
    lost_checks: int = 0  # acknowledged to a client, not on the server
    lost_photos: int = 0
    received_without_file: int = 0  # marked received, original missing or not its bytes
    not_whole: int = 0  # a file under a photo's name whose bytes are not the ones it is named by
    # Temporary files of a writer killed mid-write (SIGKILL leaves no chance to remove them); never
    # under a photo's name, so nothing reads them.
    temp_files: int = 0
    queued: dict[str, int] = field(default_factory=dict)  # still on the phones, by last answer
    audit_ok: bool = False
    audit_output: str = ""

    @property
    def clean(self) -> bool:
        return (
            not any(self.duplicated.values())
            and self.lost_checks == 0
            and self.lost_photos == 0
            and self.received_without_file == 0
            and self.not_whole == 0
            and self.audit_ok
        )

    def lines(self) -> list[str]:
        queued = ", ".join(f"{k}: {v}" for k, v in sorted(self.queued.items())) or "none"
        dup = ", ".join(f"{k} {v}" for k, v in self.duplicated.items())
        return [
            f"sent:          {self.sent_checks} checks, {self.sent_photos} photos",
            f"acknowledged:  {self.acked_checks} checks, {self.acked_photos} photos",
            f"on the server: {self.server_checks} checks, {self.server_photos} photos received",
            f"duplicated:    {dup}",
            f"lost (acknowledged, not on the server): {self.lost_checks} checks, {self.lost_photos} photos",
            f"received without its file: {self.received_without_file}; half-written under a photo's name: "
            f"{self.not_whole}; orphaned temporary files of a killed writer: {self.temp_files}",
            f"still queued on the phones (by last answer): {queued}",
            f"audit verify: {'passes' if self.audit_ok else 'FAILS'} ({self.audit_output.strip()})",
        ]


async def derivation_backlog(settings: Settings) -> tuple[int, int]:
    """The photos whose display copy and thumbnail are still to be made (queued jobs), and those
    found undecodable."""
    db = Database(settings)
    try:
        async with db.read() as session:
            queued = await session.scalar(select(func.count()).select_from(PhotoJob)) or 0
            undecodable = await session.scalar(select(func.count()).where(Photo.status == "undecodable")) or 0
    finally:
        await db.dispose()
    return queued, undecodable


async def count(settings: Settings, officers: list[Officer], env: dict[str, str]) -> Counts:
    c = Counts()
    acked_checks: set[str] = set()
    acked_photos: set[str] = set()
    for officer in officers:
        for e in officer.entries:
            c.sent_checks += 1
            c.sent_photos += len(e.photos)
            if e.acked:
                acked_checks.add(e.uuid)
            acked_photos |= e.photos_acked
            if e.state != "done":
                status, code, message = e.error or (0, "", "")
                label = f"{status} {code}".strip() + (f" ({message})" if message else "")
                c.queued[label] = c.queued.get(label, 0) + 1
    c.acked_checks, c.acked_photos = len(acked_checks), len(acked_photos)
    names = [o.username for o in officers]
    store = make_store(settings)
    db = Database(settings)
    try:
        async with db.read() as session:
            ids = list((await session.scalars(select(User.id).where(User.username.in_(names)))).all())
            checks = (
                await session.execute(select(Check.id, Check.uuid).where(Check.author_id.in_(ids)))
            ).all()
            check_ids = [r.id for r in checks]
            on_server = {r.uuid for r in checks}
            c.server_checks = len(on_server)
            photos = (
                await session.execute(
                    select(Photo.uuid, Photo.sha256, Photo.media_type, Photo.size_bytes).where(
                        Photo.check_id.in_(check_ids), Photo.received_at.is_not(None)
                    )
                )
            ).all()
            received = {p.uuid for p in photos}
            c.server_photos = len(received)
            findings = await session.scalar(select(func.count()).where(Finding.check_id.in_(check_ids))) or 0
            recorded = (
                await session.execute(
                    select(AuditEntry.object_id, func.count())
                    .where(AuditEntry.action == "check.recorded")
                    .group_by(AuditEntry.object_id)
                    .having(func.count() > 1)
                )
            ).all()
        c.duplicated = {
            "checks": len(checks) - len(on_server),
            "photos": len(photos) - len(received),
            "findings": max(0, findings - len(on_server)),  # each check has exactly one failed item
            "check.recorded audit entries": sum(n - 1 for _, n in recorded),
        }
        c.lost_checks = len(acked_checks - on_server)
        c.lost_photos = len(acked_photos - received)
        for p in photos:
            try:
                data = store.get(original_key(p.sha256, p.media_type))
            except PhotoMissing:
                data = b""
            if hashlib.sha256(data).hexdigest() != p.sha256:
                c.received_without_file += 1
    finally:
        await db.dispose()
    originals = settings.photo_dir / "originals"
    for path in originals.rglob("*") if originals.exists() else ():
        if path.is_file() and not path.name.startswith("."):
            c.not_whole += hashlib.sha256(path.read_bytes()).hexdigest() != path.stem
    c.temp_files = sum(1 for _ in settings.photo_dir.rglob(".*.tmp")) if settings.photo_dir.exists() else 0
    verify = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server.cli", "audit", "verify"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    c.audit_ok = verify.returncode == 0
    c.audit_output = (
        (verify.stdout + verify.stderr).strip().splitlines()[-1] if (verify.stdout + verify.stderr) else ""
    )
    return c
