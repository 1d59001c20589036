"""Photos are acknowledged once their original is stored, and their copies are made afterwards by
a queue that runs each photo once across workers, on the file store and on an S3-compatible one."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import zlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import anyio.to_thread
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import func, select

from conftest import in_a_new_bucket, login
from server.app import create_app
from server.audit.verify import verify
from server.cli import main
from server.models import AuditEntry, Photo, utcnow
from server.photos import derive
from server.photos.derive import MAX_ATTEMPTS
from server.photos.queue import PhotoQueue
from server.photos.store import derived_key, original_key
from tests.html_tree import parse
from tests.support import derive_photos, fixture_photo, in_app, sent_photo

EN = {"Accept-Language": "en"}
GPS_PHOTO = "gps_DSCN0010.jpg"  # has an EXIF GPS position and camera make


@pytest.fixture(params=["files", "s3"])
async def store_settings(request: pytest.FixtureRequest, settings: Any) -> Any:
    """The test's settings with the photo store under test: files, or a bucket on a local
    S3-compatible server."""
    if request.param == "files":
        return settings
    endpoint = request.getfixturevalue("s3_endpoint")
    return await anyio.to_thread.run_sync(in_a_new_bucket, settings, endpoint)


@pytest.fixture
async def app_client(store_settings: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(store_settings), base_url="http://testserver.local") as c:
        yield c


def broken_png() -> bytes:
    """A PNG whose header is sound and which runs to its end, but whose picture data is damaged:
    it passes every check made before acknowledging it, and cannot be decoded."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(out, "PNG")
    data = out.getvalue()
    start = data.find(b"IDAT")
    length = int.from_bytes(data[start - 4 : start], "big")
    return data[: start + 4] + bytes(length) + data[start + 4 + length :]


def stored_keys(client: Any) -> list[str]:
    return sorted(client.app.state.photos.store.keys())


async def check_json(client: Any, check: str) -> dict[str, Any]:
    # The author's view, with a bearer token taken before any page login (which adds a cookie).
    return (await client.get(f"/api/v1/checks/{check}", headers=client.officer)).json()


async def test_a_photo_is_acknowledged_before_its_copies_are_made_then_served_without_exif(
    app_client: Any,
) -> None:
    client = app_client
    data = fixture_photo(GPS_PHOTO)
    check, photo, answer = await sent_photo(client, data)
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    assert receipt["status"] == "processing" and receipt["received"]
    assert receipt["exif_location"] is not None  # read from the header, before any decoding
    assert receipt["check_status"] == "complete"
    sha = receipt["sha256"]
    assert stored_keys(client) == [original_key(sha, "image/jpeg")]

    # Until the copies exist, the check's page shows a placeholder, not a broken picture.
    await login(client, "office")
    page = parse((await client.get(f"/checks/{check}", headers=EN)).text)
    assert page.find_all("img", src=f"/api/v1/photos/{photo}?size=thumb") == []
    pending = page.one(data_photo_status="processing")
    assert pending.attrs["role"] == "img" and "display copy is being made" in str(pending.attrs["aria-label"])

    assert await derive_photos(client) == 1
    assert (await check_json(client, check))["photos"][0]["status"] == "ready"
    assert stored_keys(client) == sorted(
        [original_key(sha, "image/jpeg"), derived_key("display", sha), derived_key("thumb", sha)]
    )
    page = parse((await client.get(f"/checks/{check}", headers=EN)).text)
    assert len(page.find_all("img", src=f"/api/v1/photos/{photo}?size=thumb")) == 1

    officer = client.officer
    for size, long_side in (("display", 2048), ("thumb", 320)):
        served = await client.get(f"/api/v1/photos/{photo}?size={size}", headers=officer)
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        image = Image.open(io.BytesIO(served.content))
        assert max(image.size) <= long_side
        # No camera make, time or GPS position leaves the server in a copy.
        assert not image.getexif() and "exif" not in image.info and b"Exif" not in served.content
    office = client.office
    original = await client.get(f"/api/v1/photos/{photo}?size=original", headers=office)
    assert original.status_code == 200 and original.content == data


async def test_asking_for_a_copy_before_the_queue_got_to_it_makes_it_once(app_client: Any) -> None:
    client = app_client
    _check, photo, answer = await sent_photo(client, fixture_photo("gps_DSCN0021.jpg"))
    assert answer.json()["status"] == "processing"
    officer = client.officer
    thumb = await client.get(f"/api/v1/photos/{photo}?size=thumb", headers=officer)
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).format == "JPEG"
    assert await derive_photos(client) == 0  # the job went with it


async def test_an_undecodable_photo_is_acknowledged_then_marked_for_the_office_and_not_retried(
    app_client: Any,
) -> None:
    client = app_client
    data = broken_png()
    check, photo, answer = await sent_photo(client, data, "image/png")
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "processing"
    assert await derive_photos(client) == 1
    assert await derive_photos(client) == 0  # marked once, not retried
    assert (await check_json(client, check))["photos"][0]["status"] == "undecodable"

    officer = client.officer
    refused = await client.get(f"/api/v1/photos/{photo}?size=display", headers=officer)
    assert refused.status_code == 409 and refused.json()["error"] == "photo_undecodable"
    office = client.office
    kept = await client.get(f"/api/v1/photos/{photo}?size=original", headers=office)
    assert kept.status_code == 200 and kept.content == data

    await login(client, "office")
    page = parse((await client.get(f"/checks/{check}", headers=EN)).text)
    assert page.one(data_flag="undecodable").text.strip() == "Unreadable photo"
    assert page.find_all("a", href=f"/api/v1/photos/{photo}?size=original")
    assert (await in_app(client, verify, client.app.state.db)).intact


async def test_the_undecodable_photo_shows_on_the_check_page_without_the_original_for_others(
    client: Any,
) -> None:
    check, _photo, _answer = await sent_photo(client, broken_png(), "image/png")
    await derive_photos(client)
    await login(client, "officer")
    page = parse((await client.get(f"/checks/{check}", headers=EN)).text)
    assert page.one(data_flag="undecodable")
    assert not [a for a in page.find_all("a") if "size=original" in (a.attrs.get("href") or "")]


async def test_a_killed_workers_job_is_taken_over_after_its_lease_and_recorded_once(client: Any) -> None:
    check, photo, answer = await sent_photo(client, fixture_photo(GPS_PHOTO))
    assert answer.status_code == 201
    photos = client.app.state.photos
    db, lease = photos.db, client.app.state.settings.photo_job_lease_seconds
    first, second = (
        PhotoQueue(db, lease_seconds=lease, holder="a"),
        PhotoQueue(db, lease_seconds=lease, holder="b"),
    )
    now = utcnow()
    killed = await in_app(client, lambda: first.claim(now=now))  # then the worker dies
    assert killed is not None
    assert await in_app(client, lambda: second.claim(now=now + timedelta(seconds=lease / 2))) is None
    taken = await in_app(client, lambda: second.claim(now=now + timedelta(seconds=lease + 1)))
    assert taken is not None and taken.photo_id == killed.photo_id and taken.attempts == 2
    entries = await in_app(client, _audit_entries, db)

    await in_app(client, photos.deriver.process, taken)
    # The first worker comes back from the dead and finishes its stale claim: nothing is recorded.
    await in_app(client, photos.deriver.process, killed)
    assert (await check_json(client, check))["photos"][0]["status"] == "ready"
    assert await in_app(client, photos.queue.pending) == 0
    assert await in_app(client, _audit_entries, db) == entries
    assert (await in_app(client, verify, db)).intact


async def test_workers_claiming_at_once_each_get_a_different_photo(client: Any) -> None:
    for name in ("gps_DSCN0010.jpg", "gps_DSCN0021.jpg", "Kodak_CX7530.jpg"):
        assert (await sent_photo(client, fixture_photo(name)))[2].status_code == 201
    db = client.app.state.db
    queues = [PhotoQueue(db, lease_seconds=60, holder=f"w{n}") for n in range(4)]

    async def all_at_once() -> list[Any]:
        return list(await asyncio.gather(*(q.claim() for q in queues)))

    claims = await in_app(client, all_at_once)
    taken = [c.photo_id for c in claims if c is not None]
    assert len(taken) == 3 and len(set(taken)) == 3
    for claim in claims:
        if claim is not None:
            await in_app(client, client.app.state.photos.deriver.process, claim)

    async def statuses() -> list[str]:
        async with db.read() as session:
            return list((await session.scalars(select(Photo.status).where(Photo.id.in_(taken)))).all())

    assert await in_app(client, statuses) == ["ready"] * 3


async def test_a_photo_that_keeps_killing_its_worker_is_given_up(client: Any) -> None:
    check, _photo, _answer = await sent_photo(client, fixture_photo(GPS_PHOTO))
    photos = client.app.state.photos
    lease = timedelta(seconds=client.app.state.settings.photo_job_lease_seconds + 1)
    now = utcnow()
    for attempt in range(MAX_ATTEMPTS):  # each worker dies before it records anything
        assert await in_app(client, lambda a=attempt: photos.queue.claim(now=now + a * lease)) is not None
    last = await in_app(client, lambda: photos.queue.claim(now=now + MAX_ATTEMPTS * lease))
    await in_app(client, photos.deriver.process, last)
    assert (await check_json(client, check))["photos"][0]["status"] == "undecodable"
    assert await in_app(client, photos.queue.pending) == 0


async def test_a_full_store_while_making_copies_leaves_the_photo_queued(client: Any, settings: Any) -> None:
    check, _photo, _answer = await sent_photo(client, fixture_photo(GPS_PHOTO))
    (settings.photo_dir / "display").write_bytes(b"")  # making the display folder fails
    photos = client.app.state.photos
    assert await derive_photos(client) == 1
    assert (await check_json(client, check))["photos"][0]["status"] == "processing"
    assert await in_app(client, photos.queue.pending) == 1
    (settings.photo_dir / "display").unlink()
    later = await in_app(client, lambda: photos.queue.claim(now=utcnow() + timedelta(minutes=2)))
    await in_app(client, photos.deriver.process, later)
    assert (await check_json(client, check))["photos"][0]["status"] == "ready"


@pytest.mark.parametrize(
    ("name", "cut"),
    [("png", lambda d: d[: len(d) // 2]), ("webp", lambda d: d[: len(d) - 100])],
)
async def test_a_png_or_webp_cut_off_in_transit_is_still_422_before_acknowledging(
    client: Any, name: str, cut: Any
) -> None:
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 150), os.urandom(200 * 150 * 3)).save(out, name.upper())
    _check, _photo, answer = await sent_photo(client, cut(out.getvalue()), f"image/{name}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] in ("truncated", "not_an_image")  # WebP's reader sees it at once
    assert stored_keys(client) == []


async def test_the_serving_process_makes_the_copies_in_the_background(settings: Any) -> None:
    background = settings.with_(photo_workers=1, photo_queue_poll_seconds=0.1)
    async with AsyncTestClient(app=create_app(background), base_url="http://testserver.local") as client:
        check, _photo, answer = await sent_photo(client, fixture_photo(GPS_PHOTO))
        assert answer.status_code == 201
        for _poll in range(300):  # the worker was woken by the upload; allow a loaded machine
            if (await check_json(client, check))["photos"][0]["status"] == "ready":
                break
            await asyncio.sleep(0.1)
        assert (await check_json(client, check))["photos"][0]["status"] == "ready"


async def test_the_command_line_drains_the_queue(
    client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    check, _photo, _answer = await sent_photo(client, fixture_photo(GPS_PHOTO))
    monkeypatch.setenv("XUNCHA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XUNCHA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("XUNCHA_SECRET_KEY", settings.secret_key)
    assert await anyio.to_thread.run_sync(main, ["photos", "process"]) == 0
    assert "photos processed: 1; still queued: 0" in capsys.readouterr().out
    assert (await check_json(client, check))["photos"][0]["status"] == "ready"


async def test_the_store_interface_round_trip(store_settings: Any) -> None:
    from server.photos.store import PhotoMissing, make_store

    store = make_store(store_settings)
    sha = "ab" + zlib.crc32(b"x").to_bytes(4, "big").hex() * 7 + "cd"
    key = original_key(sha, "image/png")
    assert not await anyio.to_thread.run_sync(store.exists, key)
    with pytest.raises(PhotoMissing):
        await anyio.to_thread.run_sync(store.get, key)
    await anyio.to_thread.run_sync(store.put, key, b"\x89PNG bytes")
    await anyio.to_thread.run_sync(store.put, derived_key("thumb", sha), b"jpeg")
    assert await anyio.to_thread.run_sync(store.get, key) == b"\x89PNG bytes"
    assert sorted(store.keys()) == sorted([key, derived_key("thumb", sha)])
    assert list(store.keys("thumb/")) == [derived_key("thumb", sha)]
    await anyio.to_thread.run_sync(store.delete, key)
    assert list(store.keys("originals/")) == []
    with pytest.raises(ValueError):
        store.put("../outside", b"x")


async def _audit_entries(db: Any) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def test_a_crowd_of_uploads_holds_the_copies_back_until_it_thins(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Phones coming back into signal together are acknowledged first: while CROWD uploads are
    under way in the process, the background makes no copies; once they thin, it makes them."""
    _check, _photo, answer = await sent_photo(client, fixture_photo(GPS_PHOTO))
    assert answer.status_code == 201
    photos = client.app.state.photos
    deriver = photos.deriver
    monkeypatch.setattr(derive, "CROWD_POLL_SECONDS", 0.02)

    async def drain_after_a_crowd() -> tuple[int, int]:
        with contextlib.ExitStack() as uploads:
            for _ in range(derive.CROWD):
                uploads.enter_context(deriver.arriving())
            background = asyncio.create_task(deriver.drain(before_each=deriver.after_the_crowd))
            await asyncio.sleep(0.5)
            held_back = await photos.queue.pending()
            assert not background.done()
        return held_back, await background

    held_back, made = await in_app(client, drain_after_a_crowd)
    assert (held_back, made) == (1, 1)
    assert await in_app(client, photos.queue.pending) == 0


async def test_a_crowd_that_never_thins_still_lets_a_batch_through(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sent_photo(client, fixture_photo(GPS_PHOTO))
    photos = client.app.state.photos
    deriver = photos.deriver
    monkeypatch.setattr(derive, "CROWD_POLL_SECONDS", 0.02)
    monkeypatch.setattr(derive, "CROWD_WAIT_SECONDS", 0.2)

    async def drain_in_a_crowd() -> int:
        with contextlib.ExitStack() as uploads:
            for _ in range(derive.CROWD):
                uploads.enter_context(deriver.arriving())
            return await asyncio.wait_for(deriver.drain(before_each=deriver.after_the_crowd), 30)

    assert await in_app(client, drain_in_a_crowd) == 1
    assert await in_app(client, photos.queue.pending) == 0


@pytest.mark.parametrize(("cores", "workers", "each"), [(2, 1, 2), (4, 2, 2), (2, 4, 1), (1, 1, 1)])
def test_serve_shares_the_cores_among_its_processes_for_the_copies(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int, each: int
) -> None:
    """Unless XUNCHA_PHOTO_WORKERS is set, each server process makes as many photos' copies at
    once as its share of the cores; a value that is set is kept."""
    import uvicorn

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
    monkeypatch.delenv("XUNCHA_PHOTO_WORKERS", raising=False)
    assert main(["serve", "--workers", str(workers)]) == 0
    assert os.environ["XUNCHA_PHOTO_WORKERS"] == str(each)
    monkeypatch.setenv("XUNCHA_PHOTO_WORKERS", "3")
    assert main(["serve", "--workers", str(workers)]) == 0
    assert os.environ["XUNCHA_PHOTO_WORKERS"] == "3"
