"""`xuncha restore ARCHIVE` (deploy/restore.sh): an archive of `xuncha backup` into an empty install.

With the server stopped. Refuses to overwrite anything: the SQLite file must not exist, the
PostgreSQL database must hold no tables, the configured photo store (files or bucket) no
photos, the document and duty directories no files. Every file is checked against the
manifest's SHA-256 before it is used, and afterwards the restored tables' row counts against
the manifest's; any difference fails the restore loudly. The photos are written through the
configured store, so an archive of a file-store install restores into a bucket and back.
Then: `xuncha db upgrade` (a backup of an older release) and `xuncha audit verify`.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..photos.store import write_whole
from ..settings import Settings
from .archive import MANIFEST, READABLE, summary
from .databases import OperationError, is_sqlite, libpq_url, pg_counts, pg_tool, sqlite_counts, sqlite_path
from .files import GROUPS, copy_files, safe_name, stores, where


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise OperationError("the archive has no manifest.json: not a backup of xuncha backup")
    manifest = json.load(member)
    if manifest.get("format") not in READABLE:
        raise OperationError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def check_archive(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Every file the manifest names is in the archive with its SHA-256."""
    database = manifest["database"]
    _extract_checked(tar, database["file"], database["sha256"], lambda _block: None)
    for group, name, sha256 in manifest_files(manifest):
        if not safe_name(name):
            raise OperationError(f"the manifest names a file outside its directory: {group}/{name!r}")
        _extract_checked(tar, f"{group}/{name}", sha256, lambda _block: None)


def manifest_files(manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(group, key, sha256) of every file besides the database the manifest names."""
    return [
        (group, name, sha256)
        for group in GROUPS
        for name, sha256 in manifest.get(group, {}).get("files", {}).items()
    ]


def _extract_checked(tar: tarfile.TarFile, name: str, sha256: str, write: Callable[[bytes], Any]) -> None:
    try:
        member = tar.extractfile(name)
    except KeyError:
        member = None
    if member is None:
        raise OperationError(f"{name} is missing from the archive")
    digest = hashlib.sha256()
    for block in iter(lambda: member.read(1 << 20), b""):
        digest.update(block)
        write(block)
    if digest.hexdigest() != sha256:
        raise OperationError(f"{name} does not match its SHA-256 in the manifest: the archive is damaged")


def _member_bytes(tar: tarfile.TarFile, name: str, sha256: str) -> bytes:
    out = io.BytesIO()
    _extract_checked(tar, name, sha256, out.write)
    return out.getvalue()


async def _pg_tables(url: str) -> tuple[int, list[str]]:
    import asyncpg

    conn = await asyncpg.connect(libpq_url(url))
    try:
        major = int(await conn.fetchval("SHOW server_version_num")) // 10000
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return major, [row[0] for row in rows]
    finally:
        await conn.close()


async def _pg_counts(url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(libpq_url(url))
    try:
        return await pg_counts(conn)
    finally:
        await conn.close()


def _sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return sqlite_counts(conn)
    finally:
        conn.close()


def restore(settings: Settings, archive: Path) -> dict[str, Any]:
    """Restore and check; returns the manifest that the restored install now matches."""
    with tarfile.open(archive) as tar:
        manifest = read_manifest(tar)
        database = manifest["database"]
        targets = stores(settings)
        sqlite = database["kind"] == "sqlite"
        if sqlite != is_sqlite(settings.database_url):
            raise OperationError(
                f"the backup is of a {database['kind']} database; XUNCHA_DATABASE_URL names another kind "
                "(to move a SQLite install into PostgreSQL, use xuncha transfer)"
            )
        # Nothing is overwritten: check every target before changing any.
        if sqlite:
            target = sqlite_path(settings.database_url)
            if target.exists():
                raise OperationError(f"refusing to overwrite {target}; move it away first")
        else:
            major, present = asyncio.run(_pg_tables(settings.database_url))
            if present:
                raise OperationError(
                    f"refusing to overwrite a database that holds {len(present)} tables; "
                    "restore into an empty database"
                )
            pg_restore = pg_tool("pg_restore", major, os.environ.get("XUNCHA_PG_BIN", ""))
        for group, store in targets.items():
            if next(iter(store.keys()), None) is not None:
                raise OperationError(
                    f"refusing to overwrite the {group} in {where(store)}; move them away first"
                )

        # Every file is checked before anything is written, so a damaged archive restores nothing.
        check_archive(tar, manifest)
        # The database file is streamed to disk (it may be larger than memory) and checked again there.
        staging = target.parent if sqlite else None
        if staging is not None:
            staging.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=staging, prefix=".xuncha-restore-", delete=False) as dump:
            try:
                _extract_checked(tar, database["file"], database["sha256"], dump.write)
                dump.flush()
                os.fsync(dump.fileno())
            except BaseException:
                Path(dump.name).unlink(missing_ok=True)
                raise
        if sqlite:
            os.replace(dump.name, target)
        else:
            try:
                done = subprocess.run(  # noqa: S603 - our arguments; the dump file is ours
                    [
                        pg_restore,
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        f"--dbname={libpq_url(settings.database_url)}",
                        dump.name,
                    ],
                    capture_output=True,
                    text=True,
                )
            finally:
                Path(dump.name).unlink(missing_ok=True)
            if done.returncode != 0:
                raise OperationError(f"pg_restore failed: {done.stderr.strip()}")

        for group in GROUPS:
            files: dict[str, str] = manifest.get(group, {}).get("files", {})
            copied = copy_files(
                files,
                lambda name, group=group, files=files: _member_bytes(tar, f"{group}/{name}", files[name]),
                targets[group].put,
            )
            assert copied == files
        if manifest.get("secret_key"):
            key = settings.data_dir / "secret_key"
            if not key.exists():
                write_whole(key, tar.extractfile("secret_key").read())  # type: ignore[union-attr]
                key.chmod(0o600)

    counts = _sqlite_counts(target) if sqlite else asyncio.run(_pg_counts(settings.database_url))
    expected = database["tables"]
    wrong = {name: (counts.get(name), n) for name, n in expected.items() if counts.get(name) != n}
    if wrong:
        detail = ", ".join(f"{name}: {got} restored, {want} backed up" for name, (got, want) in wrong.items())
        raise OperationError(f"the restored database differs from the backup: {detail}")
    return manifest


def restore_cli(settings: Settings, archive: str) -> int:
    try:
        manifest = restore(settings, Path(archive))
    except (OperationError, OSError) as exc:  # OSError: a full disk, a photo bucket that does not answer
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored {summary(manifest)} (row counts and SHA-256 as in the manifest)")
    print("next: 'xuncha db upgrade', then 'xuncha audit verify', then start the server")
    return 0
