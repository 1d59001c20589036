"""The deploy scripts do what docs/operations.md says: a backup restores into a working server."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from conftest import check_body, new_uuid
from tests.live import REPO, LiveServer
from tests.support import fixture_photo


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, check=True)


def test_backup_and_restore_of_a_sqlite_install(tmp_path: Path):
    data = tmp_path / "data"
    with LiveServer(data) as server:
        token = httpx.post(
            server.url + "/api/v1/auth/token", json={"username": "officer", "password": "xuncha-demo"}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        check, photo = new_uuid(), new_uuid()
        body = check_body(photos=[{"uuid": photo, "item": "san-01"}])
        assert httpx.put(f"{server.url}/api/v1/checks/{check}", json=body, headers=headers).status_code == 201
        response = httpx.put(
            f"{server.url}/api/v1/checks/{check}/photos/{photo}",
            content=fixture_photo("mobile_jolla.jpg"),
            headers=headers | {"Content-Type": "image/jpeg"},
        )
        assert response.status_code == 201
        # The backup runs while the server is up, as it would from cron.
        env = dict(os.environ, XUNCHA_DATA_DIR=str(data))
        env.pop("XUNCHA_DATABASE_URL", None)
        done = _run(["bash", "deploy/backup.sh", str(tmp_path / "backups")], env)
    backup = Path(done.stdout.strip().rsplit(" ", 1)[-1])
    assert backup.suffix == ".tar" and backup.is_file()

    restored = tmp_path / "restored"
    env = dict(os.environ, XUNCHA_DATA_DIR=str(restored))
    env.pop("XUNCHA_DATABASE_URL", None)
    _run(["bash", "deploy/restore.sh", str(backup)], env)
    verify = subprocess.run(
        [sys.executable, "-m", "server.cli", "audit", "verify"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
    # A backup taken moments after an upload may hold the photo before its copies were made, even
    # claimed by the server's worker; the restored queue still holds it, and draining it makes them.
    drained = subprocess.run(
        [sys.executable, "-m", "server.cli", "photos", "process", "--claimed-too"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert drained.returncode == 0 and "still queued: 0" in drained.stdout, drained.stderr
    db = sqlite3.connect(restored / "xuncha.db")
    try:
        sha = db.execute("SELECT sha256 FROM photos WHERE uuid = ?", (photo,)).fetchone()[0]
    finally:
        db.close()
    assert (restored / "photos" / "display" / sha[:2] / f"{sha}.jpg").exists()
    # A restore never overwrites a database that is there.
    again = subprocess.run(
        ["bash", "deploy/restore.sh", str(backup)], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert again.returncode != 0 and "refusing to overwrite" in again.stderr
