"""`xuncha transfer` moves a district's SQLite database and files into a central database that
has records of its own: every row once, ids remapped, same codes matched, photos, documents and
duty answers with the same hashes and still named by their rows, resumable after a stop, a
second run moving nothing, the audit trail verifying."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text

from conftest import check_body, in_a_new_bucket, make_settings, new_uuid, token_for
from server.app import create_app
from server.audit.verify import verify
from server.backup.files import stores
from server.backup.transfer import transfer_cli
from server.db import Database, upgrade
from server.demo.history import record_history
from server.demo.loader import load_demo
from server.models import Answer, Check, Duty, DutyAnswer, Photo, TransferredRow, Unit, UnitNotice
from tests.helpers_duties import create_duty, pdf_bytes, upload
from tests.helpers_findings import auth
from tests.live import REPO
from tests.support import derive_photos, sent_photo
from tests.test_consequences import issue, rate_units
from tests.test_restore import distinct_photo

MOVED = ("checks", "answers", "findings", "finding_events", "rectifications", "photos", "complaints")


async def counts(db: Database, tables: tuple[str, ...]) -> dict[str, int]:
    async with db.read() as session:
        return {name: await session.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in tables}  # noqa: S608


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def xuncha(settings: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "XUNCHA_DATA_DIR": str(settings.data_dir),
        "XUNCHA_DATABASE_URL": settings.database_url,
        "XUNCHA_SECRET_KEY": settings.secret_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=REPO, env=env, capture_output=True, text=True
    )


def transfer(settings: Any, district: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [
        "transfer",
        "--from", f"sqlite+aiosqlite:///{district / 'xuncha.db'}",
        "--to", settings.database_url,
        "--data-from", str(district),
        *extra,
    ]  # fmt: skip
    return xuncha(settings, *args)


async def test_a_district_moves_into_a_central_database_with_data_of_its_own(
    tmp_path: Path, settings: Any
) -> None:
    # The district: the demo set-up and some months of history, in its own SQLite file.
    district = tmp_path / "district"
    district_settings = make_settings(district, f"sqlite+aiosqlite:///{district / 'xuncha.db'}")
    await asyncio.to_thread(upgrade, district_settings.database_url)
    await load_demo(district_settings)
    await record_history(district_settings)
    # A unit answers its rectification notice with a document.
    async with AsyncTestClient(
        app=create_app(district_settings), base_url="http://testserver.local"
    ) as client:
        await rate_units(client)
        notice = await issue(client)
        assert notice.status_code == 201, notice.text
        report_pdf = (await client.get(notice.json()["pdf"], headers=await auth(client, "office"))).content
        answered = await client.post(
            f"/api/v1/assessment/notices/{notice.json()['id']}/answer",
            data={"answer": "Rectified."},
            files={"document": ("report.pdf", report_pdf, "application/pdf")},
            headers=await auth(client, "handler-dust"),
        )
        assert answered.status_code in (200, 201), answered.text
    source = Database(district_settings)

    # The centre has checks of its own, whose ids the district's also use.
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as client:
        headers = await token_for(client, "officer")
        for n in range(3):
            check, photo = new_uuid(), new_uuid()
            body = check_body(photos=[{"uuid": photo, "item": "san-01"}])
            assert (
                await client.put(f"/api/v1/checks/{check}", json=body, headers=headers)
            ).status_code == 201
            put = await client.put(
                f"/api/v1/checks/{check}/photos/{photo}",
                content=distinct_photo(1000 + n),
                headers=headers | {"Content-Type": "image/jpeg"},
            )
            assert put.status_code == 201, put.text
    target = Database(settings)
    try:
        theirs = await counts(source, MOVED)
        ours_before = await counts(target, MOVED)
        central_photos = tree_hashes(settings.photo_dir)
        assert theirs["checks"] > 10 and ours_before["checks"] == 3

        # Interrupted after 150 rows: what moved stays moved, and says so.
        stopped = transfer(settings, district, "--stop-after", "150")
        assert stopped.returncode == 3, stopped.stdout + stopped.stderr
        assert "run the same command again" in stopped.stderr
        async with target.read() as session:
            assert await session.scalar(select(func.count()).select_from(TransferredRow)) == 150

        # The same command again completes the move.
        done = transfer(settings, district)
        assert done.returncode == 0, done.stdout + done.stderr
        report = {
            line.split()[0]: [int(n) for n in line.split()[1:]]
            for line in done.stdout.splitlines()
            if len(line.split()) == 4 and line.split()[1].isdigit()
        }
        ours_after = await counts(target, MOVED)
        for name in MOVED:
            inserted, matched, earlier = report[name]
            # Every district row is here once: inserted now or in the stopped run (the district's
            # records are new to the centre, so none matched).
            assert inserted + earlier == theirs[name] and matched == 0, name
            assert ours_after[name] == ours_before[name] + theirs[name], name
        # The shared set-up (same unit, campaign, site codes and usernames) is matched, not copied.
        assert report["units"][0] == 0 and report["units"][1] + report["units"][2] > 0
        assert report["users"][0] == 0

        # A district check, under a new id, keeps its answers and photos.
        async with source.read() as session:
            first = await session.scalar(select(Check).order_by(Check.id).limit(1))
            assert first is not None
            their_answers = await session.scalar(select(func.count()).where(Answer.check_id == first.id))
            their_photos = set(await session.scalars(select(Photo.sha256).where(Photo.check_id == first.id)))
        async with target.read() as session:
            moved = await session.scalar(select(Check).where(Check.uuid == first.uuid))
            assert moved is not None and moved.id != first.id
            assert (
                await session.scalar(select(func.count()).where(Answer.check_id == moved.id)) == their_answers
            )
            assert (
                set(await session.scalars(select(Photo.sha256).where(Photo.check_id == moved.id)))
                == their_photos
            )

        # Every district photo file is here with the same hash, and the centre's own are untouched.
        here = tree_hashes(settings.photo_dir)
        district_photos = tree_hashes(district / "photos")
        assert district_photos and all(here.get(name) == sha for name, sha in district_photos.items())
        assert all(here[name] == sha for name, sha in central_photos.items())

        # The documents and the duties' answers came too, still named by their rows (which point
        # at the centre's own duty and unit ids now).
        district_documents = tree_hashes(district / "documents")
        # The test's own answer beside the one the demo history records.
        assert hashlib.sha256(report_pdf).hexdigest() in district_documents.values()
        assert tree_hashes(settings.document_dir) == district_documents
        district_duties = tree_hashes(district / "duties")
        assert district_duties and tree_hashes(settings.data_dir / "duties") == district_duties
        (their_answers, their_notices), (our_answers, our_notices) = (
            await document_rows(source),
            await document_rows(target),
        )
        assert their_answers and their_answers <= our_answers
        # The test's answered notice and the one the demo history answers.
        assert len(their_notices) == 2 and their_notices <= our_notices
        assert {sha for _number, _unit, sha in our_notices} == set(district_documents.values())

        # The chain verifies, with an entry for every record that came in.
        trail = await verify(target)
        assert trail.intact, trail.first_break

        # A third run moves nothing, and says so.
        again = transfer(settings, district)
        assert again.returncode == 0, again.stderr
        assert "nothing moved" in again.stdout
        assert await counts(target, MOVED) == ours_after
        verify_cli = xuncha(settings, "audit", "verify")
        assert verify_cli.returncode == 0, verify_cli.stdout + verify_cli.stderr
    finally:
        await source.dispose()
        await target.dispose()


async def document_rows(db: Database) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """The duty answers (duty, unit, version, sha256) and the answered notices (number, unit,
    sha256), by codes, so that a district's and the centre's compare whatever their ids."""
    async with db.read() as session:
        answers = await session.execute(
            select(Duty.code, Unit.code, DutyAnswer.version, DutyAnswer.sha256)
            .join(Duty, Duty.id == DutyAnswer.duty_id)
            .join(Unit, Unit.id == DutyAnswer.unit_id)
        )
        notices = await session.execute(
            select(UnitNotice.number, Unit.code, UnitNotice.document_sha256)
            .join(Unit, Unit.id == UnitNotice.unit_id)
            .where(UnitNotice.document_sha256.is_not(None))
        )
        return {tuple(row) for row in answers}, {tuple(row) for row in notices}


async def test_a_district_whose_trail_is_broken_is_refused(tmp_path: Path, settings: Any) -> None:
    district = tmp_path / "district"
    district_settings = make_settings(district, f"sqlite+aiosqlite:///{district / 'xuncha.db'}")
    await asyncio.to_thread(upgrade, district_settings.database_url)
    await load_demo(district_settings)
    db = Database(district_settings)
    try:
        async with db.write() as session:
            await session.execute(text("UPDATE units SET name_en = 'Tampered' WHERE id = 1"))
    finally:
        await db.dispose()
    refused = transfer(settings, district)
    assert refused.returncode == 2
    assert "does not verify" in refused.stderr


async def test_a_districts_files_move_into_a_central_bucket(
    tmp_path: Path, settings: Any, s3_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The centre keeps its photos in an S3 bucket: the district's photo files go into it, its
    duty answers under the centre's data directory, and the centre serves both."""
    district = tmp_path / "district"
    district_settings = make_settings(district, f"sqlite+aiosqlite:///{district / 'xuncha.db'}")
    await asyncio.to_thread(upgrade, district_settings.database_url)
    await load_demo(district_settings)
    photo_bytes, answer_pdf = distinct_photo(77), pdf_bytes("Quarterly report, district B")
    async with AsyncTestClient(
        app=create_app(district_settings), base_url="http://testserver.local"
    ) as client:
        check, photo, put = await sent_photo(client, photo_bytes)
        assert put.status_code == 201, put.text
        assert await derive_photos(client) == 1
        duty = await create_duty(client, await token_for(client, "office"), code="district-b-report")
        answered = await upload(
            client, await token_for(client, "handler"), duty["id"], "sanitation-office", answer_pdf, "r.pdf"
        )
        assert answered.status_code == 201, answered.text

    central = await asyncio.to_thread(in_a_new_bucket, settings, s3_endpoint)
    district_url = district_settings.database_url
    assert await transfer_cli(central, district_url, central.database_url, district, "", None) == 0
    assert "photos files: 3 copied, 0 already there" in capsys.readouterr().out
    bucket = stores(central)["photos"]
    assert {k: hashlib.sha256(bucket.get(k)).hexdigest() for k in bucket.keys()} == tree_hashes(
        district / "photos"
    )
    assert tree_hashes(central.data_dir / "duties") == tree_hashes(district / "duties")

    # The centre serves the photo from its bucket and the answer under the duty's new id.
    async with AsyncTestClient(app=create_app(central), base_url="http://testserver.local") as client:
        office = await token_for(client, "office")
        original = await client.get(f"/api/v1/photos/{photo}", params={"size": "original"}, headers=office)
        assert original.status_code == 200 and original.content == photo_bytes
        duties = (await client.get("/api/v1/duties", params={"year": duty["year"]}, headers=office)).json()
        moved = next(d for d in duties if d["code"] == "district-b-report")
        answer = await client.get(
            f"/api/v1/duties/{moved['id']}/answers/sanitation-office/file", headers=office
        )
        assert answer.status_code == 200 and answer.content == answer_pdf

    # Again: nothing to copy, nothing moved.
    assert await transfer_cli(central, district_url, central.database_url, district, "", None) == 0
    again = capsys.readouterr().out
    assert "photos files: 0 copied, 3 already there" in again and "nothing moved" in again


async def test_a_district_notice_whose_number_the_centre_gave_another_is_refused(
    tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Numbers are printed on the notices: two different notices under one number cannot both be
    kept, and taking one for the other would lose the district's answer and its document."""
    district = tmp_path / "district"
    district_settings = make_settings(district, f"sqlite+aiosqlite:///{district / 'xuncha.db'}")
    await asyncio.to_thread(upgrade, district_settings.database_url)
    await load_demo(district_settings)
    reason = {"override_reason": "Repeated complaints."}
    async with AsyncTestClient(
        app=create_app(district_settings), base_url="http://testserver.local"
    ) as client:
        theirs = await issue(client, "dust-office", **reason)
        assert theirs.status_code == 201, theirs.text
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as client:
        ours = await issue(client, "sanitation-office", **reason)
        assert ours.status_code == 201, ours.text
    assert theirs.json()["number"] == ours.json()["number"]

    district_url = district_settings.database_url
    assert await transfer_cli(settings, district_url, settings.database_url, district, "", None) == 2
    refused = capsys.readouterr().err
    assert theirs.json()["number"] in refused and "nothing was moved" in refused
    target = Database(settings)
    try:
        async with target.read() as session:
            assert await session.scalar(select(func.count()).select_from(TransferredRow)) == 0
    finally:
        await target.dispose()
