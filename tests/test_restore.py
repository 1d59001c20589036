"""A backup taken while a real server takes checks and photos restores to exactly what its
manifest says: the same rows, the same photo files (SHA-256), a chain that verifies, and a
server that starts on it. Runs on SQLite, and on PostgreSQL in the PostgreSQL run."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from conftest import PG_URL, check_body, drop_database, new_uuid, recreate_database
from tests.live import REPO, LiveServer


def distinct_photo(seed: int) -> bytes:
    """A small real JPEG, different for every seed, as content-addressed storage needs."""
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(40):
        x, y = rng.randrange(300), rng.randrange(220)
        image.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + 20, y + 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Writer(threading.Thread):
    """An officer's phone flushing its outbox, check after check, each with one photo."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.acknowledged: list[tuple[str, str]] = []
        self.errors: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            token = client.post(
                "/api/v1/auth/token", json={"username": "officer", "password": "xuncha-demo"}
            ).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            n = 0
            while not self.stop.is_set():
                n += 1
                check, photo = new_uuid(), new_uuid()
                body = check_body(photos=[{"uuid": photo, "item": "san-01"}])
                first = client.put(f"/api/v1/checks/{check}", json=body, headers=headers)
                second = client.put(
                    f"/api/v1/checks/{check}/photos/{photo}",
                    content=distinct_photo(n),
                    headers=headers | {"Content-Type": "image/jpeg"},
                )
                if first.status_code == 201 and second.status_code == 201:
                    self.acknowledged.append((check, photo))
                else:
                    self.errors.append(f"{first.status_code} {second.status_code} {second.text[:200]}")


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def sql(url: str, statements: list[str]) -> list[Any]:
    async def go() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                results = [await conn.execute(text(s)) for s in statements]
                return [r.all() if r.returns_rows else None for r in results]
        finally:
            await engine.dispose()

    return asyncio.run(go())


def own_database(name: str) -> str:
    """A new empty PostgreSQL database beside PG_URL's, one per test process."""
    url = make_url(PG_URL)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    own = url.set(database=f"{url.database}_{name}_{worker}").render_as_string(hide_password=False)
    recreate_database(own)
    return own


def test_a_backup_under_load_restores_to_its_manifest(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # On PostgreSQL a fresh database of its own, whose every photo row has its files in this test's
    # data dir; the database the other tests of this process share is not wiped under them.
    pg_url = own_database("backup") if PG_URL else ""
    server = LiveServer(data, database_url=pg_url)
    env = server.env()
    database_url = pg_url or f"sqlite+aiosqlite:///{data / 'xuncha.db'}"
    with server:
        writer = Writer(server.url)
        writer.start()
        try:
            while len(writer.acknowledged) < 5 and writer.is_alive():
                writer.stop.wait(0.05)
            before = list(writer.acknowledged)
            done = run(["bash", "deploy/backup.sh", str(tmp_path / "backups")], env)
            during = len(writer.acknowledged) - len(before)
            writer.stop.wait(0.5)  # some more arrive after the backup: not in it, and not restored
        finally:
            writer.stop.set()
            writer.join(30)
    assert not writer.errors, writer.errors[:3]
    archive = Path(done.stdout.strip().rsplit(" ", 1)[-1])
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    tables = manifest["database"]["tables"]
    assert tables["checks"] >= len(before) and manifest["photos"]["count"] >= len(before)

    # The install is lost: database and photos gone.
    if pg_url:
        sql(pg_url, ["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"])
    shutil.rmtree(data)

    run(["bash", "deploy/restore.sh", str(archive)], env)
    run([sys.executable, "-m", "server.cli", "db", "upgrade"], env)
    run([sys.executable, "-m", "server.cli", "audit", "verify"], env)

    # The same rows as the manifest says: every table's count, every check acknowledged before the backup.
    names = sorted(tables)
    counted = sql(database_url, [f'SELECT count(*) FROM "{name}"' for name in names])
    assert {name: rows[0][0] for name, rows in zip(names, counted, strict=True)} == tables
    (restored_checks,) = sql(database_url, ["SELECT uuid FROM checks"])
    assert {check for check, _photo in before} <= {row[0] for row in restored_checks}
    # The same photo files, byte for byte.
    photo_dir = data / "photos"
    on_disk = {
        path.relative_to(photo_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in photo_dir.rglob("*")
        if path.is_file()
    }
    assert on_disk == manifest["photos"]["files"]
    # Every photo row in the database has its original among them.
    (shas,) = sql(database_url, ["SELECT sha256 FROM photos WHERE sha256 IS NOT NULL"])
    originals = {Path(name).stem for name in on_disk if name.startswith("originals/")}
    assert {row[0] for row in shas} <= originals

    # The server starts on the restored install, is ready, and serves what was acknowledged.
    again = LiveServer(data, database_url=pg_url).start()
    try:
        assert httpx.get(again.url + "/readyz").status_code == 200
        token = httpx.post(
            again.url + "/api/v1/auth/token", json={"username": "officer", "password": "xuncha-demo"}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        check, photo = before[0]
        assert httpx.get(f"{again.url}/api/v1/checks/{check}", headers=headers).status_code == 200
        assert httpx.get(f"{again.url}/api/v1/photos/{photo}", headers=headers).status_code == 200
    finally:
        again.stop()
        if pg_url:
            drop_database(pg_url)
    print(f"backed up with {during} checks acknowledged while it ran; {tables['checks']} checks restored")


def test_a_pg_dump_older_than_the_server_is_refused_with_what_to_install(tmp_path: Path) -> None:
    from server.backup.databases import OperationError, pg_tool

    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.9'\n")
    fake.chmod(0o755)
    try:
        pg_tool("pg_dump", 99, str(tmp_path))
    except OperationError as exc:
        assert "postgresql-client-99" in str(exc) and "XUNCHA_PG_BIN" in str(exc)
    else:
        raise AssertionError("an old pg_dump was accepted")
    # One as new as the server, or newer, is used.
    assert pg_tool("pg_dump", 12, str(tmp_path)) == str(fake)


def test_a_damaged_archive_restores_nothing(tmp_path: Path) -> None:
    from conftest import make_settings
    from server.backup.archive import backup
    from server.backup.databases import OperationError
    from server.backup.restore import restore
    from server.db import upgrade

    source = make_settings(tmp_path / "a", f"sqlite+aiosqlite:///{tmp_path / 'a' / 'xuncha.db'}")
    upgrade(source.database_url)
    photo = source.photo_dir / "originals" / "ab" / f"ab{'0' * 62}.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(distinct_photo(7))
    archive, manifest = backup(source, tmp_path / "backups")
    assert manifest["photos"]["count"] == 1 and manifest["database"]["kind"] == "sqlite"

    # One byte of the photo changed on the way: the archive no longer matches its manifest.
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as tar, tarfile.open(damaged, "w") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("photos/"):
                data = data[:-3] + bytes([data[-3] ^ 1]) + data[-2:]
            out.addfile(member, io.BytesIO(data))
    target = make_settings(tmp_path / "b", f"sqlite+aiosqlite:///{tmp_path / 'b' / 'xuncha.db'}")
    try:
        restore(target, damaged)
    except OperationError as exc:
        assert "damaged" in str(exc)
    else:
        raise AssertionError("a damaged archive was restored")
    assert not (tmp_path / "b" / "xuncha.db").exists()
    assert not target.photo_dir.exists() or not any(target.photo_dir.rglob("*.jpg"))
    # The intact archive restores, and matches its manifest.
    assert restore(target, archive)["photos"]["files"] == manifest["photos"]["files"]
    assert (target.photo_dir / photo.relative_to(source.photo_dir)).read_bytes() == photo.read_bytes()


async def test_an_s3_install_with_documents_restores_into_an_empty_bucket(
    tmp_path: Path, settings: Any, s3_endpoint: str
) -> None:
    """The photos in a bucket, a document answering a notice and a duty's answer: all in the
    archive with their hashes, and all back, the photos in a new empty bucket, served again."""
    import anyio.to_thread
    from litestar.testing import AsyncTestClient
    from sqlalchemy.engine import make_url

    from conftest import drop_database, in_a_new_bucket, recreate_database, token_for
    from server.app import create_app
    from server.backup.archive import backup
    from server.backup.databases import OperationError, sqlite_path
    from server.backup.files import stores
    from server.backup.restore import restore
    from tests.helpers_duties import create_duty, pdf_bytes, upload
    from tests.support import derive_photos, sent_photo

    source = await anyio.to_thread.run_sync(in_a_new_bucket, settings, s3_endpoint)
    photo_bytes, answer_pdf = distinct_photo(11), pdf_bytes("Work plan, district A")
    async with AsyncTestClient(app=create_app(source), base_url="http://testserver.local") as client:
        check, photo, put = await sent_photo(client, photo_bytes)
        assert put.status_code == 201, put.text
        assert await derive_photos(client) == 1
        duty = await create_duty(client, await token_for(client, "office"))
        handler = await token_for(client, "handler")
        answered = await upload(client, handler, duty["id"], "sanitation-office", answer_pdf, "plan.pdf")
        assert answered.status_code == 201, answered.text
    # A unit's answer to a rectification notice, as the document store keeps it: by its sha256.
    document = pdf_bytes("Rectified on 3 March")
    document_sha = hashlib.sha256(document).hexdigest()
    (source.document_dir / document_sha[:2]).mkdir(parents=True)
    (source.document_dir / document_sha[:2] / document_sha).write_bytes(document)

    archive, manifest = await anyio.to_thread.run_sync(backup, source, tmp_path / "backups")
    bucket = stores(source)["photos"]
    in_bucket = {key: hashlib.sha256(bucket.get(key)).hexdigest() for key in bucket.keys()}
    # The original and both copies: a restore serves them at once, with nothing to make again.
    assert sorted(k.split("/")[0] for k in in_bucket) == ["display", "originals", "thumb"]
    assert manifest["photos"]["files"] == in_bucket
    assert manifest["documents"]["files"] == {f"{document_sha[:2]}/{document_sha}": document_sha}
    assert list(manifest["duties"]["files"].values()) == [hashlib.sha256(answer_pdf).hexdigest()]

    # The install is lost; the new one has an empty bucket, an empty data directory and, on
    # PostgreSQL, an empty database of its own (the test's own database stays as the other tests
    # of this process expect it).
    fresh = source.with_(data_dir=tmp_path / "restored")
    if PG_URL:
        url = make_url(source.database_url)
        restored_url = url.set(database=f"{url.database}_restored").render_as_string(hide_password=False)
        # Dropped first: a database an earlier run left under this name would hold its schemas.
        await anyio.to_thread.run_sync(recreate_database, restored_url)
        fresh = fresh.with_(database_url=restored_url)
    else:
        await anyio.to_thread.run_sync(sqlite_path(source.database_url).unlink)
    target = await anyio.to_thread.run_sync(in_a_new_bucket, fresh, s3_endpoint)
    await anyio.to_thread.run_sync(restore, target, archive)

    restored = stores(target)
    assert {
        key: hashlib.sha256(restored["photos"].get(key)).hexdigest() for key in restored["photos"].keys()
    } == (in_bucket)
    assert restored["documents"].get(f"{document_sha[:2]}/{document_sha}") == document
    assert [restored["duties"].get(key) for key in restored["duties"].keys()] == [answer_pdf]
    async with AsyncTestClient(app=create_app(target), base_url="http://testserver.local") as client:
        office = await token_for(client, "office")
        display = await client.get(f"/api/v1/photos/{photo}", headers=office)
        assert display.status_code == 200 and display.content == bucket.get(f"display/{display_key(display)}")
        original = await client.get(f"/api/v1/photos/{photo}", params={"size": "original"}, headers=office)
        assert original.content == photo_bytes
        answer = await client.get(
            f"/api/v1/duties/{duty['id']}/answers/sanitation-office/file", headers=office
        )
        assert answer.status_code == 200 and answer.content == answer_pdf

    # A second restore over it is refused, naming what it would overwrite.
    again = target if PG_URL else target.with_(database_url=f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    try:
        await anyio.to_thread.run_sync(restore, again, archive)
    except OperationError as exc:
        assert "refusing to overwrite" in str(exc)
        assert PG_URL or f"bucket {target.s3_bucket}" in str(exc)
    else:
        raise AssertionError("a restore overwrote a bucket with photos")
    if PG_URL:
        await anyio.to_thread.run_sync(drop_database, restored_url)


def display_key(response: Any) -> str:
    sha = response.headers["etag"].strip('"').rsplit("-", 1)[0]
    return f"{sha[:2]}/{sha}.jpg"
