"""`xuncha backup DEST_DIR` (deploy/backup.sh): one archive of the database, the photos, the
uploaded documents and the key.

Order, which is what makes it consistent while the server keeps writing:
1. The database first, as one consistent snapshot: SQLite's online backup API (never a copy
   of the live file), or pg_dump inside an exported snapshot in which the rows are counted.
2. Then the files (see files.py): the photo store's keys (files or an S3 bucket, through the
   PhotoStore interface), the documents and the duties' answers. A file is stored before the
   row naming it is committed, and files are never changed or removed, so every file the
   snapshot names is in the archive; files that arrived after the snapshot may be there too,
   harmlessly.
3. Then the secret key (sessions, tokens and rating links stay valid after a restore), and
   the manifest: the tables' row counts in the snapshot, the migration revision, and the
   SHA-256 of the database file and of every other file, by group.

The archive is written aside and renamed into place, readable by its owner only.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..settings import Settings
from .databases import OperationError, is_sqlite, libpq_url, pg_counts, pg_tool, sqlite_counts, sqlite_path
from .files import GROUPS, copy_files, file_sha256, stores

FORMAT = 2
READABLE = (1, 2)  # format 1: photo files only
MANIFEST = "manifest.json"


def sqlite_snapshot(source: Path, target: Path) -> dict[str, Any]:
    """Copy a live SQLite database with the online backup API; counts read from the copy."""
    if not source.is_file():
        raise OperationError(f"no database at {source}")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        return _counts_sqlite(dst)
    finally:
        src.close()
        dst.close()


def _counts_sqlite(conn: sqlite3.Connection) -> dict[str, Any]:
    tables = sqlite_counts(conn)
    revision = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
    return {"tables": tables, "revision": sorted(revision)}


async def pg_snapshot(url: str, target: Path, bin_dir: str) -> dict[str, Any]:
    """pg_dump -Fc inside a snapshot exported by a transaction that counts the rows in it."""
    import asyncpg

    conn = await asyncpg.connect(libpq_url(url))
    try:
        major = int(await conn.fetchval("SHOW server_version_num")) // 10000
        pg_dump = pg_tool("pg_dump", major, bin_dir)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            process = await asyncio.create_subprocess_exec(
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
                libpq_url(url),
                stderr=asyncio.subprocess.PIPE,
            )
            _out, err = await process.communicate()
            if process.returncode != 0:
                raise OperationError(f"pg_dump failed: {err.decode(errors='replace').strip()}")
            tables = await pg_counts(conn)
            revision = [row[0] for row in await conn.fetch("SELECT version_num FROM alembic_version")]
        return {"tables": tables, "revision": sorted(revision), "server_major": major}
    finally:
        await conn.close()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def backup(settings: Settings, dest_dir: Path) -> tuple[Path, dict[str, Any]]:
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = dest_dir / f"xuncha-{stamp}.tar"
    partial = dest_dir / f".xuncha-{stamp}.tar.part"
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".xuncha-backup-") as work:
        # 1. The database, as one snapshot.
        if is_sqlite(settings.database_url):
            db_file = Path(work) / "xuncha.db"
            database = sqlite_snapshot(sqlite_path(settings.database_url), db_file)
            database["kind"] = "sqlite"
        else:
            db_file = Path(work) / "xuncha.pgdump"
            bin_dir = os.environ.get("XUNCHA_PG_BIN", "")
            database = asyncio.run(pg_snapshot(settings.database_url, db_file, bin_dir))
            database["kind"] = "postgresql"
        database["file"] = f"database/{db_file.name}"
        database["sha256"] = file_sha256(db_file)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
                tar.add(db_file, arcname=database["file"])
                # 2. The files, after the snapshot.
                files = {}
                for group, store in stores(settings).items():
                    hashes = copy_files(
                        store.keys(),
                        store.get,
                        lambda key, data, group=group: _add_bytes(tar, f"{group}/{key}", data),
                    )
                    files[group] = {"count": len(hashes), "files": hashes}
                # 3. The key and the manifest.
                key = settings.data_dir / "secret_key"
                if key.is_file():
                    _add_bytes(tar, "secret_key", key.read_bytes())
                manifest = {
                    "format": FORMAT,
                    "created_at": datetime.now(UTC).isoformat(),
                    "database": database,
                    **files,
                    "secret_key": key.is_file(),
                }
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return final, manifest


def summary(manifest: dict[str, Any]) -> str:
    tables = manifest["database"]["tables"]
    counts = {group: manifest.get(group, {}).get("count", 0) for group in GROUPS}
    return (
        f"{tables.get('checks', 0)} checks, {tables.get('photos', 0)} photo records, "
        f"{counts['photos']} photo files, {counts['documents']} document files and "
        f"{counts['duties']} duty answer files"
    )


def backup_cli(settings: Settings, dest_dir: str) -> int:
    try:
        archive, manifest = backup(settings, Path(dest_dir))
    except (OperationError, OSError) as exc:  # OSError: a full disk, a photo bucket that does not answer
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(manifest))
    print(f"backup written to {archive}")
    return 0
