"""No cheap way to stall the server with photos: plain forms are vetted before anything is decoded,
decoding is bounded by slots and pixels in flight, and a store that cannot write answers 503."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from conftest import check_body, login, new_uuid, token_for
from server.models import utcnow
from server.photos.limits import DecodeBusy, DecodeLimiter
from tests.helpers_findings import HERE, assign, get_finding, new_finding, plain_jpeg
from tests.support import derive_photos, fixture_photo, in_app, row_counts, stored_files
from tests.test_pages import Page, form_fields, open_form

EN = {"Accept-Language": "en"}


def big_png(width: int = 8000, height: int = 5000, shade: int = 0) -> bytes:
    """A 40-megapixel PNG of one colour: about 120 KB on the wire, 120 MB once decoded."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (shade, 128, 64)).save(out, "PNG", compress_level=9)
    return out.getvalue()


@pytest.fixture(scope="module")
def png_40mp() -> bytes:
    return big_png()


def small_png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 10, 10)).save(out, "PNG")
    return out.getvalue()


# --- the decode budget ---------------------------------------------------------------------------------


async def test_decodes_wait_for_pixels_in_flight_and_are_refused_past_the_queue() -> None:
    limiter = DecodeLimiter(slots=4, pixels=100, queue=1, wait_seconds=5)
    order: list[str] = []
    async with limiter.admit(60):
        # 60 + 60 is over the budget of 100 pixels: the second waits, the third finds the queue full.
        second = asyncio.create_task(_hold(limiter, 60, order, "second"))
        await asyncio.sleep(0.05)
        assert limiter.waiting == 1 and order == []
        with pytest.raises(DecodeBusy) as busy:
            async with limiter.admit(50):
                pass
        assert busy.value.retry_after >= 1
        order.append("first done")
    await second
    assert order == ["first done", "second"]
    assert (limiter.running, limiter.pixels_in_flight) == (0, 0)


async def test_a_photo_larger_than_the_whole_budget_is_decoded_alone() -> None:
    limiter = DecodeLimiter(slots=2, pixels=10, queue=0, wait_seconds=0.1)
    async with limiter.admit(50):
        assert limiter.running == 1
    async with limiter.admit(5), limiter.admit(5):
        assert limiter.pixels_in_flight == 10


async def test_a_wait_that_lasts_too_long_is_refused() -> None:
    limiter = DecodeLimiter(slots=1, pixels=100, queue=5, wait_seconds=0.05)
    async with limiter.admit(1):
        with pytest.raises(DecodeBusy):
            async with limiter.admit(1):
                pass
    assert limiter.waiting == 0


async def _hold(limiter: DecodeLimiter, pixels: int, order: list[str], name: str) -> None:
    async with limiter.admit(pixels):
        order.append(name)


async def test_an_upload_while_decoding_is_saturated_is_acknowledged_and_its_copies_wait(
    client: Any, settings: Any
) -> None:
    officer = await token_for(client, "officer")
    photo = new_uuid()
    check = new_uuid()
    response = await client.put(
        f"/api/v1/checks/{check}", json=check_body(photos=[{"uuid": photo, "item": None}]), headers=officer
    )
    assert response.status_code == 201, response.text
    url = f"/api/v1/checks/{check}/photos/{photo}"
    jpeg = officer | {"Content-Type": "image/jpeg"}
    data = fixture_photo("gps_DSCN0021.jpg")
    decoding = client.app.state.photos.decoding
    decoding.queue, decoding.wait_seconds = 0, 0.05
    photos = client.app.state.photos
    async with decoding.admit(decoding.pixels):  # other photos fill the whole budget
        # Acknowledging needs no decoding: the upload is taken while the decoder is saturated.
        taken = await client.put(url, content=data, headers=jpeg)
        assert taken.status_code == 201, taken.text
        assert taken.json()["status"] == "processing"
        # The copies wait: the job is given back for later, the photo stays processing.
        assert await derive_photos(client) == 1
    assert await in_app(client, photos.queue.pending) == 1
    later = await in_app(client, lambda: photos.queue.claim(now=utcnow() + timedelta(minutes=1)))
    await in_app(client, photos.deriver.process, later)
    check_json = (await client.get(f"/api/v1/checks/{check}", headers=officer)).json()
    assert check_json["status"] == "complete" and check_json["photos"][0]["status"] == "ready"
    assert len(stored_files(settings)) == 3


# --- plain forms ---------------------------------------------------------------------------------------


async def _blocked_decoding(client: Any) -> Any:
    """Every decode attempt from now on is refused at once (503), so a 422 proves none was tried."""
    decoding = client.app.state.photos.decoding
    decoding.queue, decoding.wait_seconds = 0, 0.01
    return decoding.admit(decoding.pixels)


async def test_a_form_with_too_many_photos_is_refused_before_any_is_decoded(
    client: Any, settings: Any, png_40mp: bytes
) -> None:
    await login(client, "officer")
    page = await open_form(client)
    fields = form_fields(page, **{"san-01": "fail"})
    files = [("p__check", (f"p{i}.png", small_png(i), "image/png")) for i in range(21)]
    before = await row_counts(settings)
    async with await _blocked_decoding(client):
        response = await client.post(
            "/field/sanitation/new", data=fields, files=files, headers=EN, follow_redirects=False
        )
    assert response.status_code == 422, response.text[:500]
    assert "At most 20 photos" in Page(response.text).text
    assert await row_counts(settings) == before
    assert stored_files(settings) == []


async def test_a_form_photo_over_the_pixel_limit_is_refused_before_the_others_are_decoded(
    client: Any, settings: Any, png_40mp: bytes
) -> None:
    await login(client, "officer")
    page = await open_form(client)
    fields = form_fields(page, **{"san-01": "fail"})
    over = big_png(8000, 5001)  # 40,008,000 pixels: just over the limit
    files = [
        ("p_san-01", ("ok.jpg", fixture_photo("gps_DSCN0021.jpg"), "image/jpeg")),
        ("p__check", ("huge.png", over, "image/png")),
    ]
    before = await row_counts(settings)
    async with await _blocked_decoding(client):
        response = await client.post(
            "/field/sanitation/new", data=fields, files=files, headers=EN, follow_redirects=False
        )
    assert response.status_code == 422, response.text[:500]
    assert "too many pixels" in Page(response.text).text
    assert await row_counts(settings) == before


async def test_a_form_photo_over_the_size_limit_is_refused_unread(client: Any, settings: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    fields = form_fields(page, **{"san-01": "fail"})
    files = [
        ("p__check", ("big.jpg", b"\xff\xd8\xff" + b"\0" * (settings.max_photo_bytes + 1), "image/jpeg"))
    ]
    async with await _blocked_decoding(client):
        response = await client.post(
            "/field/sanitation/new", data=fields, files=files, headers=EN, follow_redirects=False
        )
    assert response.status_code == 422
    assert "the limit is 20 MB" in Page(response.text).text


async def test_a_form_body_far_beyond_a_dozen_photos_is_413(client: Any, settings: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    fields = form_fields(page, **{"san-01": "fail"})
    chunk = b"\xff\xd8\xff" + b"\0" * (15 * 1024 * 1024)
    files = [("p__check", (f"p{i}.jpg", chunk + bytes([i]), "image/jpeg")) for i in range(5)]
    response = await client.post(
        "/field/sanitation/new", data=fields, files=files, headers=EN, follow_redirects=False
    )
    assert response.status_code == 413
    assert stored_files(settings) == []


async def test_a_good_form_still_stores_its_photos_once(client: Any, settings: Any) -> None:
    await login(client, "officer")
    page = await open_form(client)
    uuid = page.value("uuid")
    fields = form_fields(page, **{"san-01": "fail"})
    data = fixture_photo("gps_DSCN0021.jpg")
    files = [
        ("p_san-01", ("a.jpg", data, "image/jpeg")),
        ("p_san-01", ("a-again.jpg", data, "image/jpeg")),
        ("p__check", ("b.png", small_png(3), "image/png")),
    ]
    response = await client.post("/field/sanitation/new", data=fields, files=files, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    check = (await client.get(f"/api/v1/checks/{uuid}")).json()
    assert sorted(str(p["item"]) for p in check["photos"]) == ["None", "san-01"]
    assert check["status"] == "complete"
    assert len(stored_files(settings)) == 2  # the originals, acknowledged before any decoding
    assert await derive_photos(client) == 2
    assert len(stored_files(settings)) == 6


# --- a store that cannot write -------------------------------------------------------------------------


async def test_an_unwritable_store_answers_503_leaves_no_file_and_a_retry_succeeds(
    client: Any, settings: Any
) -> None:
    officer = await token_for(client, "officer")
    photo, check = new_uuid(), new_uuid()
    body = check_body(photos=[{"uuid": photo, "item": None}])
    assert (await client.put(f"/api/v1/checks/{check}", json=body, headers=officer)).status_code == 201
    # The originals' folder is a file: making the photo's folder fails in the operating system
    # (ENOTDIR), as on a disk that is full or read-only.
    settings.photo_dir.mkdir(parents=True, exist_ok=True)
    blocker = settings.photo_dir / "originals"
    blocker.write_bytes(b"")
    url = f"/api/v1/checks/{check}/photos/{photo}"
    jpeg = officer | {"Content-Type": "image/jpeg"}
    data = fixture_photo("gps_DSCN0021.jpg")
    failed = await client.put(url, content=data, headers=jpeg)
    assert failed.status_code == 503, failed.text
    assert int(failed.headers["retry-after"]) > 0
    assert failed.json()["error"] == "storage_unavailable"
    assert stored_files(settings) == ["originals"]  # only the blocker: no original, no temporary file
    assert (await client.get(f"/api/v1/checks/{check}", headers=officer)).json()["missing_photos"] == [photo]

    blocker.unlink()
    retried = await client.put(url, content=data, headers=jpeg)
    assert retried.status_code == 201, retried.text
    assert len(stored_files(settings)) == 1
    assert await derive_photos(client) == 1
    assert len(stored_files(settings)) == 3


async def test_the_rectification_form_refuses_a_photo_over_the_pixel_limit_before_decoding(
    client: Any, settings: Any
) -> None:
    finding_id = await new_finding(client)
    await assign(client, finding_id)
    csrf = await login(client, "handler")
    html = (await client.get(f"/unit/findings/{finding_id}", headers=EN)).text
    fields = {
        "_csrf": csrf,
        "uuid": re.search(r'name="uuid" value="([0-9a-f-]{36})"', html).group(1),
        "recorded_at": re.search(r'name="recorded_at" value="([^"]+)"', html).group(1),
        "manual_lat": str(HERE[0]),
        "manual_lon": str(HERE[1]),
        "note": "swept",
    }
    files = [
        ("photos", ("after.jpg", plain_jpeg(), "image/jpeg")),
        ("photos", ("huge.png", big_png(8000, 5001), "image/png")),
    ]
    async with await _blocked_decoding(client):
        response = await client.post(
            f"/unit/findings/{finding_id}", data=fields, files=files, headers=EN, follow_redirects=False
        )
    assert response.status_code == 422, response.text[:500]
    assert "too many pixels" in response.text
    assert (await get_finding(client, finding_id, "lead"))["rectifications"] == []
    assert stored_files(settings) == []

    files = [("photos", ("after.jpg", plain_jpeg(), "image/jpeg"))]
    response = await client.post(
        f"/unit/findings/{finding_id}", data=fields, files=files, headers=EN, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]
    (rect,) = (await get_finding(client, finding_id, "lead"))["rectifications"]
    assert rect["status"] == "complete" and rect["photos"][0]["received"]
