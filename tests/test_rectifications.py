"""A unit's rectification and its after-photos: idempotent like checks, and the anti-fake flags.

PUT /api/v1/findings/{id}/rectifications/{uuid} and PUT /api/v1/rectifications/{uuid}/photos/{photo}.
An after-photo is flagged "far" (more than 50 m from the finding), "before_assignment" (taken
before the finding was assigned), "identical" / "near_identical" (the finding's own photo
again) and "no_position" (no position of its own: the rectification's is used).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.db import Database
from tests.helpers_findings import (
    HERE,
    assign,
    at,
    auth,
    counts,
    finding_in,
    fixture_photo,
    get_finding,
    new_finding,
    new_uuid,
    now_plus,
    offset,
    plain_jpeg,
    put_after_photo,
    put_rectification,
    record_check,
    rect_body,
    rectify,
    reencoded,
    verify,
    with_exif,
)
from tests.support import derive_photos


@pytest.fixture
async def db(settings):
    """The test's own handle on the app's database."""
    database = Database(settings)
    yield database
    await database.dispose()


EN = {"Accept-Language": "en"}


async def assigned_finding(client, before_photos: tuple[bytes, ...] = ()) -> int:
    finding_id = await new_finding(client, photos=before_photos)
    await assign(client, finding_id)
    return finding_id


# --- the rectification record -------------------------------------------------------------


async def test_first_put_is_201_with_the_receipt(client):
    finding_id = await assigned_finding(client)
    photos = [{"uuid": new_uuid()}, {"uuid": new_uuid()}]
    rect_uuid, response = await put_rectification(client, finding_id, rect_body(photos=photos))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert set(receipt) == {"uuid", "finding", "status", "missing_photos", "finding_status", "received_at"}
    assert receipt["uuid"] == rect_uuid and receipt["finding"] == finding_id
    assert receipt["status"] == "awaiting_photos"
    assert receipt["missing_photos"] == [p["uuid"] for p in photos]
    assert receipt["finding_status"] == "assigned"
    received = datetime.fromisoformat(receipt["received_at"])
    assert abs(datetime.now(UTC) - received) < timedelta(minutes=1)
    finding = await get_finding(client, finding_id, "lead")
    (rect,) = finding["rectifications"]
    assert (rect["uuid"], rect["unit"], rect["by"], rect["status"]) == (
        rect_uuid,
        "sanitation-office",
        "handler",
        "awaiting_photos",
    )
    assert rect["note"] == "bins emptied, ground swept"
    assert [p["received"] for p in rect["photos"]] == [False, False]


async def test_an_identical_replay_is_200_and_stores_nothing(client, db):
    finding_id = await assigned_finding(client)
    body = rect_body(photos=[{"uuid": new_uuid()}])
    rect_uuid, first = await put_rectification(client, finding_id, body)
    assert first.status_code == 201
    stored = await counts(db)
    for _ in range(2):
        _uuid, again = await put_rectification(client, finding_id, body, rect_uuid=rect_uuid)
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
    # Key order does not make another body.
    reordered = dict(reversed(list(body.items())))
    _uuid, again = await put_rectification(client, finding_id, reordered, rect_uuid=rect_uuid)
    assert again.status_code == 200, again.text
    assert await counts(db) == stored


async def test_a_replay_after_the_finding_moved_on_is_still_200(client, db):
    finding_id = await assigned_finding(client)
    photo = new_uuid()
    body = rect_body(photos=[{"uuid": photo}])
    rect_uuid, first = await put_rectification(client, finding_id, body)
    assert (await put_after_photo(client, rect_uuid, photo, plain_jpeg())).status_code == 201
    await verify(client, finding_id, "close")
    stored = await counts(db)
    _uuid, again = await put_rectification(client, finding_id, body, rect_uuid=rect_uuid)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "complete" and again.json()["missing_photos"] == []
    assert again.json()["finding_status"] == "closed"
    assert await counts(db) == stored


async def test_a_different_body_under_the_same_uuid_is_409(client, db):
    finding_id = await assigned_finding(client)
    body = rect_body(photos=[{"uuid": new_uuid()}])
    rect_uuid, first = await put_rectification(client, finding_id, body)
    assert first.status_code == 201
    stored = await counts(db)
    _uuid, other = await put_rectification(
        client, finding_id, body | {"note": "something else"}, rect_uuid=rect_uuid
    )
    assert other.status_code == 409, other.text
    assert other.json()["error"] == "body_differs"
    assert await counts(db) == stored


async def test_a_uuid_used_by_another_handler_or_for_another_finding_is_409(client, db):
    finding_id = await assigned_finding(client)
    rect_uuid, first = await put_rectification(client, finding_id, rect_body(photos=[{"uuid": new_uuid()}]))
    assert first.status_code == 201
    muck = await new_finding(client, campaign="muck")
    await assign(client, muck, "lead-muck", unit="muck-office")
    another = await assigned_finding(client)
    stored = await counts(db)
    _uuid, theirs = await put_rectification(
        client, muck, rect_body(photos=[{"uuid": new_uuid()}]), "handler-muck", rect_uuid=rect_uuid
    )
    assert theirs.status_code == 409, theirs.text
    assert theirs.json()["error"] == "uuid_taken"
    # The same handler cannot reuse it for another of their findings either.
    _uuid, reused = await put_rectification(
        client, another, rect_body(photos=[{"uuid": new_uuid()}]), rect_uuid=rect_uuid
    )
    assert reused.status_code == 409, reused.text
    assert await counts(db) == stored


async def test_a_photo_uuid_that_belongs_to_another_record_is_409(client, db):
    receipt = await record_check(client, photos=[plain_jpeg()])
    finding_id = receipt["findings"][0]["id"]
    await assign(client, finding_id)
    stored = await counts(db)
    _uuid, response = await put_rectification(
        client, finding_id, rect_body(photos=[{"uuid": receipt["photo_uuids"][0]}])
    )
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "photo_uuid_taken"
    assert await counts(db) == stored


def _future_time() -> str:
    return at(datetime.now(UTC) + timedelta(hours=1))


# case: (change to a good body, the field named, words the English message must contain)
BAD_BODIES = {
    "location missing": (lambda b: b.pop("location"), "location", ("position",)),
    "location null": (lambda b: b.update(location=None), "location", ("position",)),
    "latitude out of range": (lambda b: b["location"].update(lat=91), "location.lat", ("latitude",)),
    "no photos": (lambda b: b.update(photos=[]), "photos", ("photo",)),
    "photos missing": (lambda b: b.pop("photos"), "photos", ("photo",)),
    "photo uuid not a uuid": (lambda b: b.update(photos=[{"uuid": "p1"}]), "photos[0].uuid", ("uuid",)),
    "photo for an item": (
        lambda b: b["photos"][0].update(item="san-01"),
        "photos[0].item",
        ("finding",),
    ),
    "recorded_at in the future": (lambda b: b.update(recorded_at=_future_time()), "recorded_at", ("future",)),
    "recorded_at without offset": (
        lambda b: b.update(recorded_at=datetime.now(UTC).replace(tzinfo=None).isoformat()),
        "recorded_at",
        ("offset",),
    ),
    "recorded_at missing": (lambda b: b.pop("recorded_at"), "recorded_at", ()),
    "unknown field": (lambda b: b.update(unit="sanitation-office"), "unit", ("unknown",)),
    "note not text": (lambda b: b.update(note=5), "note", ("text",)),
}


async def test_bad_rectifications_are_422_naming_the_field_and_store_nothing(client, db):
    finding_id = await assigned_finding(client)
    stored = await counts(db)
    headers = await auth(client, "handler") | EN
    for case, (change, field, words) in BAD_BODIES.items():
        body = rect_body(photos=[{"uuid": new_uuid()}])
        change(body)
        response = await client.put(
            f"/api/v1/findings/{finding_id}/rectifications/{new_uuid()}", json=body, headers=headers
        )
        assert response.status_code == 422, (case, response.text)
        errors = response.json()["errors"]
        assert field in [e["field"] for e in errors], (case, errors)
        message = next(e["message"] for e in errors if e["field"] == field).lower()
        assert all(word in message for word in words), (case, message)
    assert await counts(db) == stored
    assert (await get_finding(client, finding_id))["status"] == "assigned"


async def test_a_body_that_is_not_an_object_is_422(client):
    finding_id = await assigned_finding(client)
    headers = await auth(client, "handler")
    response = await client.put(
        f"/api/v1/findings/{finding_id}/rectifications/{new_uuid()}", json=[], headers=headers
    )
    assert response.status_code == 422
    response = await client.put(
        f"/api/v1/findings/{finding_id}/rectifications/not-a-uuid", json={}, headers=headers
    )
    assert response.status_code == 404


# --- after-photos -------------------------------------------------------------------------


async def test_the_finding_is_submitted_only_when_the_last_after_photo_arrives(client, db):
    finding_id = await assigned_finding(client)
    first, second = new_uuid(), new_uuid()
    rect_uuid, response = await put_rectification(
        client, finding_id, rect_body(photos=[{"uuid": first}, {"uuid": second}])
    )
    assert response.status_code == 201
    sent = await put_after_photo(client, rect_uuid, first, plain_jpeg())
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert (body["rectification_status"], body["finding_status"]) == ("awaiting_photos", "assigned")
    assert body["uuid"] == first and body["sha256"] and body["width"] and body["height"]
    finding = await get_finding(client, finding_id)
    assert finding["status"] == "assigned" and finding["submitted_at"] is None
    assert [p["received"] for p in finding["rectifications"][0]["photos"]] == [True, False]
    # A replay of the first photo changes nothing.
    again = await put_after_photo(client, rect_uuid, first, plain_jpeg())
    assert again.status_code == 200 and again.json()["finding_status"] == "assigned"
    sent = await put_after_photo(client, rect_uuid, second, plain_jpeg("orientation_landscape_8.jpg"))
    assert sent.status_code == 201, sent.text
    assert (sent.json()["rectification_status"], sent.json()["finding_status"]) == ("complete", "submitted")
    finding = await get_finding(client, finding_id)
    assert finding["status"] == "submitted" and finding["submitted_at"] is not None
    assert [e["action"] for e in finding["history"]] == ["assigned", "submitted"]
    # Replayed once more after submission: 200, nothing new.
    stored = await counts(db)
    again = await put_after_photo(client, rect_uuid, second, plain_jpeg("orientation_landscape_8.jpg"))
    assert again.status_code == 200 and again.json()["finding_status"] == "submitted"
    assert await counts(db) == stored


async def test_after_photo_uploads_answer_like_check_photos(client):
    finding_id = await assigned_finding(client)
    photo, other = new_uuid(), new_uuid()
    rect_uuid, _response = await put_rectification(
        client, finding_id, rect_body(photos=[{"uuid": photo}, {"uuid": other}])
    )

    async def put(photo_uuid, data, content_type="image/jpeg", user="handler", rect=rect_uuid):
        return await client.put(
            f"/api/v1/rectifications/{rect}/photos/{photo_uuid}",
            content=data,
            headers=(await auth(client, user)) | EN | {"Content-Type": content_type},
        )

    data = plain_jpeg()
    assert (await put(photo, b"%PDF-1.4 not a photo", "application/pdf")).status_code == 415
    assert (await put(photo, data, "image/gif")).status_code == 415
    assert (await put(photo, b"Inspection notes\n" * 100)).status_code == 422
    assert (await put(photo, fixture_photo("gps_DSCN0010.jpg")[:600])).status_code == 422
    too_large = await put(photo, b"\xff\xd8\xff" + bytes(20 * 1024 * 1024))
    assert too_large.status_code == 413, too_large.text
    assert "MB" in too_large.json()["message"]
    # None of those was received.
    finding = await get_finding(client, finding_id)
    assert [p["received"] for p in finding["rectifications"][0]["photos"]] == [False, False]
    first = await put(photo, data)
    assert first.status_code == 201, first.text
    assert first.json()["sha256"] == hashlib.sha256(data).hexdigest()
    same = await put(photo, data)
    assert same.status_code == 200, same.text
    changed = await put(photo, plain_jpeg("orientation_landscape_8.jpg"))
    assert changed.status_code == 409, changed.text
    assert changed.json()["error"] == "photo_differs"
    # A photo the rectification does not list, a rectification that does not exist.
    assert (await put(new_uuid(), data)).status_code == 404
    assert (await put(other, data, rect=new_uuid())).status_code == 404
    # The lead sees the rectification but only its author adds photos; another unit does not see it.
    assert (await put(other, data, user="lead")).status_code == 403
    assert (await put(other, data, user="handler-muck")).status_code == 404
    assert (await put(other, data, user="officer2")).status_code == 404


# --- anti-fake flags ----------------------------------------------------------------------


async def rectify_one(client, finding_id, data: bytes, *, where=HERE, **meta) -> dict:
    """One after-photo; returns that photo as GET /api/v1/findings/{id} shows it to the lead."""
    result = await rectify(client, finding_id, photos=[data], where=where, meta=[meta])
    assert result["receipt"]["finding_status"] == "submitted"
    # The flags that need the decoded picture (near_identical) come when the copies are made.
    await derive_photos(client)
    finding = await get_finding(client, finding_id, "lead")
    (photo,) = finding["rectifications"][-1]["photos"]
    assert photo["uuid"] == result["photos"][0]
    assert set(result["receipt"]["flags"]) <= set(photo["flags"])  # the upload's answer, then more
    assert set(photo["flags"]) - set(result["receipt"]["flags"]) <= {"near_identical"}
    assert finding["flags"] == sorted(photo["flags"])
    return photo


def near_here(metres: float = 10) -> dict:
    lat, lon = offset(*HERE, north_m=metres)
    return {"lat": lat, "lon": lon}


async def test_a_clean_after_photo_has_no_flags(client):
    # A different picture as the before-photo, the after-photo taken here and now.
    finding_id = await assigned_finding(client, (fixture_photo("gps_DSCN0021.jpg"),))
    photo = await rectify_one(
        client,
        finding_id,
        plain_jpeg("orientation_landscape_8.jpg"),
        taken_at=now_plus(2),
        exif_location=near_here(10),
    )
    assert photo["flags"] == []
    assert 5 < photo["distance_m"] < 15


async def test_an_after_photo_taken_far_away_is_flagged_far(client):
    # gps_DSCN0010.jpg carries an EXIF position in Italy and an EXIF time in 2008.
    finding_id = await assigned_finding(client)
    photo = await rectify_one(client, finding_id, fixture_photo("gps_DSCN0010.jpg"))
    assert "far" in photo["flags"]
    assert "before_assignment" in photo["flags"]
    assert "no_position" not in photo["flags"]
    assert photo["distance_m"] > 8_000_000


async def test_a_position_just_beyond_50_m_is_far_and_just_within_is_not(client):
    within = await assigned_finding(client)
    photo = await rectify_one(client, within, plain_jpeg(), taken_at=now_plus(2), exif_location=near_here(45))
    assert photo["flags"] == []
    beyond = await assigned_finding(client)
    photo = await rectify_one(client, beyond, plain_jpeg(), taken_at=now_plus(2), exif_location=near_here(60))
    assert photo["flags"] == ["far"]


async def test_an_after_photo_taken_before_the_assignment_is_flagged(client):
    finding_id = await assigned_finding(client)
    earlier = at(datetime.now(UTC) - timedelta(hours=1))
    photo = await rectify_one(client, finding_id, plain_jpeg(), taken_at=earlier, exif_location=near_here(5))
    assert photo["flags"] == ["before_assignment"]


def local_now(minutes: float = 0) -> datetime:
    """A camera clock's reading: the bureau's local time, with no offset."""
    return (
        (datetime.now(UTC) + timedelta(minutes=minutes))
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .replace(tzinfo=None)
    )


async def test_a_phones_own_exif_time_and_position_are_used(client):
    finding_id = await assigned_finding(client)
    data = with_exif(
        plain_jpeg("orientation_landscape_8.jpg"), taken=local_now(1), position=offset(*HERE, north_m=12)
    )
    photo = await rectify_one(client, finding_id, data)
    assert photo["flags"] == []
    assert 8 < photo["distance_m"] < 16


async def test_an_exif_time_without_offset_is_read_as_local_time(client):
    # An hour before the assignment on the camera's (local) clock: before_assignment, although
    # the same digits read as UTC would be seven hours after it.
    finding_id = await assigned_finding(client)
    data = with_exif(plain_jpeg(), taken=local_now(-60), position=offset(*HERE, north_m=5))
    photo = await rectify_one(client, finding_id, data)
    assert photo["flags"] == ["before_assignment"]


async def test_an_exif_position_far_away_is_far_even_when_the_phone_was_near(client):
    finding_id = await assigned_finding(client)
    data = with_exif(plain_jpeg(), taken=local_now(1), position=offset(*HERE, east_m=300))
    photo = await rectify_one(client, finding_id, data, where=HERE)
    assert photo["flags"] == ["far"]
    assert 280 < photo["distance_m"] < 320


async def test_the_findings_own_photo_again_is_flagged_identical(client):
    before = plain_jpeg()
    finding_id = await assigned_finding(client, (before,))
    photo = await rectify_one(client, finding_id, before, taken_at=now_plus(2), exif_location=near_here(5))
    assert photo["flags"] == ["identical"]


async def test_the_findings_own_photo_with_its_exif_is_identical_far_and_old(client):
    before = fixture_photo("gps_DSCN0010.jpg")
    finding_id = await assigned_finding(client, (before,))
    photo = await rectify_one(client, finding_id, before)
    assert {"identical", "far", "before_assignment"} <= set(photo["flags"])


@pytest.mark.parametrize(("quality", "scale"), [(60, 0.97), (92, 0.9)])
async def test_the_findings_photo_reencoded_is_flagged_near_identical(client, quality, scale):
    before = plain_jpeg()
    finding_id = await assigned_finding(client, (before,))
    after = reencoded(before, quality=quality, scale=scale)
    assert after != before
    photo = await rectify_one(client, finding_id, after, taken_at=now_plus(2), exif_location=near_here(5))
    assert photo["flags"] == ["near_identical"]


async def test_a_photo_of_a_check_photo_reencoded_from_the_original_file_is_near_identical(client):
    # The officer's photo as the phone took it; the unit re-sends a re-saved copy of it.
    before = fixture_photo("gps_DSCN0021.jpg")
    finding_id = await assigned_finding(client, (before,))
    photo = await rectify_one(
        client,
        finding_id,
        reencoded(before, quality=70, scale=0.95),
        taken_at=now_plus(2),
        exif_location=near_here(5),
    )
    assert "near_identical" in photo["flags"] and "identical" not in photo["flags"]


async def test_a_photo_without_position_uses_the_rectifications_and_is_not_far_when_that_is_near(client):
    # mobile_jolla.jpg has no EXIF position (and an EXIF time in 2014).
    finding_id = await assigned_finding(client)
    photo = await rectify_one(
        client, finding_id, fixture_photo("mobile_jolla.jpg"), where=offset(*HERE, north_m=20)
    )
    assert "no_position" in photo["flags"]
    assert "far" not in photo["flags"]
    assert "before_assignment" in photo["flags"]
    assert 15 < photo["distance_m"] < 25


async def test_a_photo_without_position_is_far_when_the_rectification_was_far(client):
    finding_id = await assigned_finding(client)
    photo = await rectify_one(
        client, finding_id, fixture_photo("mobile_jolla.jpg"), where=offset(*HERE, east_m=500)
    )
    assert {"no_position", "far"} <= set(photo["flags"])
    assert 450 < photo["distance_m"] < 550


async def test_flags_of_every_after_photo_are_in_front_of_the_lead(client):
    before = plain_jpeg()
    finding_id = await assigned_finding(client, (before,))
    await rectify(
        client,
        finding_id,
        photos=[before, fixture_photo("gps_DSCN0010.jpg"), plain_jpeg("orientation_landscape_8.jpg")],
        meta=[
            {"taken_at": now_plus(2), "exif_location": near_here(5)},
            {},
            {"taken_at": now_plus(2), "exif_location": near_here(5)},
        ],
    )
    finding = await get_finding(client, finding_id, "lead")
    per_photo = [p["flags"] for p in finding["rectifications"][0]["photos"]]
    assert per_photo[0] == ["identical"]
    assert {"far", "before_assignment"} <= set(per_photo[1])
    assert per_photo[2] == []
    assert finding["flags"] == sorted({"identical", *per_photo[1]})
    # The flags do not refuse anything: the lead judges.
    assert finding["status"] == "submitted"


async def test_after_a_rework_the_new_rectification_is_judged_on_its_own(client):
    finding_id = await finding_in(client, "assigned")
    await rectify(client, finding_id, photos=[fixture_photo("gps_DSCN0010.jpg")])
    await verify(client, finding_id, "rework", reason="this photo is not from here")
    result = await rectify(
        client,
        finding_id,
        photos=[plain_jpeg("orientation_landscape_8.jpg")],
        meta=[{"taken_at": now_plus(2), "exif_location": near_here(5)}],
    )
    assert result["receipt"]["flags"] == []
    finding = await get_finding(client, finding_id, "lead")
    old, new = finding["rectifications"]
    assert {"far", "before_assignment"} <= set(old["photos"][0]["flags"])  # kept in the record
    assert new["photos"][0]["flags"] == []
    # The lead now verifies the new rectification: the flags in front of them are its flags,
    # not those of the one already sent back.
    assert finding["flags"] == [], "top-level flags still carry the reworked rectification's flags"
