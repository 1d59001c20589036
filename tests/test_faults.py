"""A small morning rush through each fault: a worker killed, PostgreSQL restarted, the photo disk
full. Phones retry as the phone does; afterwards every check and photo is on the server exactly
once, nothing acknowledged is missing, nothing is marked received without its file, no file is
half-written, no request was answered 500, and the audit trail verifies.

They need root (the tmpfs) and the PostgreSQL server binaries (a private cluster): where either
is missing they fail, they do not skip. `make test-faults` runs them (part of `make ci`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks.rush import faults
from benchmarks.rush.run import Plan, Result, live_server, rush
from tests.live import LiveServer

pytestmark = pytest.mark.faults

SMALL = Plan(officers=3, checks=3, photos=2, workers=1, backoff_min=0.2, drain_timeout=60)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder migrated with the demo data, made once and copied for each SQLite server."""
    path = tmp_path_factory.mktemp("template") / "data"
    LiveServer(path).prepare()
    return path


def assert_whole(result: Result) -> None:
    c = result.counts
    assert result.fault_log and not result.fault_log[0].startswith("never"), result.fault_log
    checks = SMALL.officers * SMALL.checks
    assert c.sent_checks == c.acked_checks == c.server_checks == checks
    assert c.sent_photos == c.acked_photos == c.server_photos == checks * SMALL.photos
    assert not any(c.duplicated.values()), c.duplicated
    assert (c.lost_checks, c.lost_photos) == (0, 0)
    assert (c.received_without_file, c.not_whole) == (0, 0)
    assert c.queued == {}
    assert c.audit_ok, c.audit_output
    # Every photo's display copy and thumbnail was made, none given up as undecodable.
    assert result.derived_after is not None, f"{result.derivation_left} photos still without copies"
    assert result.undecodable == 0
    answers = {status for by in result.stats.statuses.values() for status in by}
    assert "500" not in answers, result.stats.statuses


def test_a_killed_worker_loses_nothing(tmp_path: Path, template: Path) -> None:
    # Photos the killed worker had claimed for their copies go to another worker when the claim's
    # lease runs out: 10 s here instead of production's 120, so that the test sees it happen.
    plan = Plan(**{**SMALL.__dict__, "workers": 2, "extra_env": {"XUNCHA_PHOTO_JOB_LEASE_SECONDS": "10"}})
    with live_server(tmp_path / "data", plan, template) as server:
        result = asyncio.run(rush(server, plan, faults.kill_worker(server)))
    assert_whole(result)
    assert "started in its place" in result.fault_log[0] and "none started" not in result.fault_log[0]


def test_a_postgresql_restart_loses_nothing(tmp_path: Path) -> None:
    with faults.private_postgres() as pg:
        plan = Plan(**{**SMALL.__dict__, "database_url": pg.url})
        with live_server(tmp_path / "data", plan) as server:
            result = asyncio.run(rush(server, plan, faults.restart_postgres(pg)))
    assert_whole(result)


def test_a_full_photo_disk_is_answered_clearly_and_loses_nothing(tmp_path: Path, template: Path) -> None:
    # A copy that could not be written waits 2 s instead of production's 60 before it is tried
    # again, so that the test sees every copy made once the disk has room, in seconds.
    plan = Plan(**{**SMALL.__dict__, "extra_env": {"XUNCHA_PHOTO_STORE_RETRY_SECONDS": "2"}})
    photos = faults.mount_photo_disk(tmp_path / "data", 64)
    try:
        with live_server(tmp_path / "data", plan, template) as server:
            result = asyncio.run(rush(server, plan, faults.fill_disk(photos, hold=2)))
    finally:
        faults.unmount_photo_disk(photos)
    assert_whole(result)
    # While the disk was full the photos were refused with a status the phone retries, and a
    # message; the phones held them and sent them once the disk had room again.
    refused = result.stats.statuses["photo"]
    assert refused.get("503", 0) + refused.get("507", 0) > 0, refused
    assert "phones then held checks with last answers {'5" in result.fault_log[0]
