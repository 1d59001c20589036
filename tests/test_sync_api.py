"""Sync API v1 as docs/sync-api.md lists it: every status code, and nothing half-saved after a refusal.

Each refused request is followed by a look at the database (row counts of checks, answers,
findings, photos and the audit trail) and at the photo store (no file written).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from conftest import check_body, new_uuid, token_for
from server.demo import data as demo
from server.geo import distance_m
from server.photos.pipeline import HEIF_SUPPORTED
from tests.support import (
    PHOTOS_DIR,
    derive_photos,
    fixture_photo,
    photo_fixture_names,
    row_counts,
    stored_files,
)

HERE = (32.6293, 110.7981)  # where check_body() records
CHINA = timezone(timedelta(hours=8))


@pytest.fixture
async def officer(client: Any) -> dict[str, str]:
    return await token_for(client, "officer")


async def snapshot(settings: Any) -> tuple[dict[str, int], list[str]]:
    return await row_counts(settings), stored_files(settings)


def check_url(uuid: str) -> str:
    return f"/api/v1/checks/{uuid}"


def photo_url(check_uuid: str, photo_uuid: str) -> str:
    return f"/api/v1/checks/{check_uuid}/photos/{photo_uuid}"


def north_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    return lat + metres / 111_195.0, lon


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (
        IFDRational(degrees, 1),
        IFDRational(minutes, 1),
        IFDRational(Fraction(seconds).limit_denominator(100_000)),
    )


def jpeg_at(lat: float, lon: float, colour: tuple[int, int, int] = (90, 120, 200)) -> bytes:
    """A phone-like JPEG whose EXIF GPS says (lat, lon), with a comment and XMP that must not be served."""
    exif = Image.Exif()
    exif[0x0110] = "Test Phone"  # Model
    gps = exif.get_ifd(0x8825)
    gps.update(
        {1: "N" if lat >= 0 else "S", 2: _dms(abs(lat)), 3: "E" if lon >= 0 else "W", 4: _dms(abs(lon))}
    )
    image = Image.new("RGB", (640, 480), colour)
    image.paste((200, 60, 40), (100, 100, 300, 260))
    out = io.BytesIO()
    xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>private xmp</x:xmpmeta>"
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"private comment", xmp=xmp)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A real 1x1 PNG made by Pillow whose header is then rewritten to claim width x height."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    raw = bytearray(out.getvalue())
    assert raw[12:16] == b"IHDR"
    raw[16:24] = struct.pack(">II", width, height)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    return bytes(raw)


def is_free_of_metadata(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return (
            image.format == "JPEG"
            and len(image.getexif()) == 0
            and not image.getexif().get_ifd(0x8825)
            and not {"exif", "xmp", "comment", "XML:com.adobe.xmp"} & set(image.info)
            and b"Exif\x00\x00" not in data
            and b"private comment" not in data
            and b"private xmp" not in data
        )


async def declare_check(
    client: Any, headers: dict[str, str], photo_uuids: list[str], **overrides: Any
) -> str:
    uuid = new_uuid()
    body = check_body(photos=[{"uuid": p, "item": None} for p in photo_uuids], **overrides)
    response = await client.put(check_url(uuid), json=body, headers=headers)
    assert response.status_code == 201, response.text
    return uuid


# --- reference data -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/campaigns", "/api/v1/sites", "/api/v1/checks"])
async def test_reference_data_needs_a_login(client: Any, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["message"]
    wrong = await client.get(path, headers={"Authorization": "Bearer not-a-real-token"})
    assert wrong.status_code == 401


async def test_campaigns_carry_the_contract_fields(client: Any, officer: dict[str, str]) -> None:
    response = await client.get("/api/v1/campaigns", headers=officer | {"Accept-Language": "en"})
    assert response.status_code == 200
    campaigns = response.json()
    assert [c["code"] for c in campaigns] == [c.code for c in demo.CAMPAIGNS]
    sanitation = campaigns[0]
    assert set(sanitation) >= {"code", "name", "category", "lead", "responsible_unit", "measures", "items"}
    assert sanitation["name"] == "street sanitation"
    assert sanitation["lead"]["username"] == "lead"
    assert sanitation["responsible_unit"]["code"] == "sanitation-office"
    expected = [(i.code, i.severity) for i in demo.CAMPAIGNS[0].items]
    assert [(i["code"], i["severity"]) for i in sanitation["items"]] == expected
    assert all(i["text"] for i in sanitation["items"])
    chinese = (await client.get("/api/v1/campaigns", headers=officer)).json()
    assert chinese[0]["name"] == "环境卫生"


async def test_me_names_the_user_and_what_they_may_record(client: Any, officer: dict[str, str]) -> None:
    response = await client.get("/api/v1/me", headers=officer)
    assert response.status_code == 200
    me = response.json()
    assert me["user"]["username"] == "officer"
    assert me["role"] == "officer"
    assert me["unit"]["code"] == "maojian"
    assert "sanitation" in me["campaigns"]
    assert set(me["kinds"]) == {"patrol", "recheck"}


async def test_sites_near_a_point_come_nearest_first(client: Any, officer: dict[str, str]) -> None:
    lat, lon = HERE
    response = await client.get(f"/api/v1/sites?near={lat},{lon}&radius_m=1500", headers=officer)
    assert response.status_code == 200
    sites = response.json()
    assert sites, "the demo register has sites around the city centre"
    distances = [s["distance_m"] for s in sites]
    assert distances == sorted(distances)
    assert all(d <= 1500 for d in distances)
    nearest = min(demo.SITES, key=lambda s: distance_m(lat, lon, s.lat, s.lon))
    assert sites[0]["code"] == nearest.code
    assert sites[0]["distance_m"] == pytest.approx(distance_m(lat, lon, nearest.lat, nearest.lon), abs=0.2)


@pytest.mark.parametrize("near", ["91,110.8", "32.6,NaN", "somewhere"])
async def test_sites_near_a_position_that_is_not_one_is_422(
    client: Any, officer: dict[str, str], near: str
) -> None:
    response = await client.get(f"/api/v1/sites?near={near}", headers=officer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "near"


# --- PUT a check --------------------------------------------------------------------------------------


async def test_a_new_check_is_201_with_its_receipt(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    before = await row_counts(settings)
    uuid = new_uuid()
    response = await client.put(check_url(uuid), json=check_body(), headers=officer)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["uuid"] == uuid
    assert receipt["status"] == "complete"  # no photos declared, nothing to wait for
    assert receipt["missing_photos"] == []
    assert [(f["item"], f["severity"], f["status"]) for f in receipt["findings"]] == [
        ("san-01", "major", "new")
    ]
    received = datetime.fromisoformat(receipt["received_at"])
    assert abs(received - datetime.now(UTC)) < timedelta(minutes=1)
    after = await row_counts(settings)
    assert after["checks"] == before["checks"] + 1
    assert after["answers"] == before["answers"] + 2
    assert after["findings"] == before["findings"] + 1


async def test_an_identical_replay_is_200_and_stores_nothing_new(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    uuid, body = new_uuid(), check_body(photos=[{"uuid": new_uuid(), "item": "san-01"}])
    first = await client.put(check_url(uuid), json=body, headers=officer)
    assert first.status_code == 201
    stored = await snapshot(settings)

    again = await client.put(check_url(uuid), json=body, headers=officer)
    assert again.status_code == 200
    assert again.json() == first.json()  # the same receipt: same findings, same received_at
    # A client that writes the keys in another order sends the same check.
    reordered = json.dumps(dict(reversed(list(body.items()))))
    third = await client.put(
        check_url(uuid), content=reordered, headers=officer | {"Content-Type": "application/json"}
    )
    assert third.status_code == 200
    assert await snapshot(settings) == stored


async def test_a_replay_with_a_different_body_is_409_and_changes_nothing(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    uuid = new_uuid()
    assert (
        await client.put(check_url(uuid), json=check_body(note="first"), headers=officer)
    ).status_code == 201
    stored = await snapshot(settings)

    response = await client.put(check_url(uuid), json=check_body(note="changed"), headers=officer)
    assert response.status_code == 409
    assert response.json()["error"] == "body_differs"
    assert response.json()["message"]
    assert await snapshot(settings) == stored
    assert (await client.get(check_url(uuid), headers=officer)).json()["note"] == "first"


async def test_another_users_check_uuid_is_409_to_put_and_404_to_get(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    uuid, body = new_uuid(), check_body()
    assert (await client.put(check_url(uuid), json=body, headers=officer)).status_code == 201
    stored = await snapshot(settings)
    other = await token_for(client, "officer2")

    response = await client.put(check_url(uuid), json=body, headers=other)
    assert response.status_code == 409
    assert response.json()["error"] == "uuid_taken"
    assert (await client.get(check_url(uuid), headers=other)).status_code == 404
    assert await snapshot(settings) == stored
    assert (await client.get(check_url(uuid), headers=officer)).json()["author"]["username"] == "officer"


@pytest.mark.parametrize(("username", "kind"), [("officer", "unannounced"), ("handler", "patrol")])
async def test_a_kind_the_role_may_not_record_is_403(
    client: Any, settings: Any, username: str, kind: str
) -> None:
    headers = await token_for(client, username)
    stored = await snapshot(settings)
    response = await client.put(check_url(new_uuid()), json=check_body(kind=kind), headers=headers)
    assert response.status_code == 403
    assert response.json()["message"]
    assert await snapshot(settings) == stored


def _tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).astimezone(CHINA).replace(microsecond=0).isoformat()


def _answers(**first: Any) -> list[dict[str, Any]]:
    return [{"item": "san-01", "result": "fail", "severity": "major", "note": "bins"} | first]


INVALID_CHECKS: dict[str, tuple[dict[str, Any], str, str | None]] = {
    # name: (overrides, the field the error names, a text the message must contain)
    "unknown campaign": ({"campaign": "no-such-campaign"}, "campaign", "no-such-campaign"),
    "unknown item": ({"answers": _answers(item="san-99")}, "answers[0].item", "san-99"),
    "item of another campaign": ({"answers": _answers(item="muck-01")}, "answers[0].item", "muck-01"),
    "unknown site": ({"site": "no-such-site"}, "site", "no-such-site"),
    "latitude 91": (
        {"location": {"lat": 91, "lon": 110.79, "accuracy_m": 8, "source": "gps"}},
        "location.lat",
        None,
    ),
    "recorded_at without offset": ({"recorded_at": "2026-01-05T09:30:00"}, "recorded_at", None),
    "recorded_at tomorrow": ({"recorded_at": _tomorrow()}, "recorded_at", None),
    "100,000-character note": ({"note": "x" * 100_000}, "note", "100000"),
    "100,000-character answer note": ({"answers": _answers(note="y" * 100_000)}, "answers[0].note", "100000"),
    "result not in the list": ({"answers": _answers(result="maybe")}, "answers[0].result", None),
    "unknown kind": ({"kind": "stroll"}, "kind", None),
}


@pytest.mark.parametrize("case", list(INVALID_CHECKS))
async def test_invalid_checks_are_422_naming_the_field_and_save_nothing(
    client: Any, officer: dict[str, str], settings: Any, case: str
) -> None:
    overrides, field, mentioned = INVALID_CHECKS[case]
    stored = await snapshot(settings)
    uuid = new_uuid()
    response = await client.put(check_url(uuid), json=check_body(**overrides), headers=officer)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "invalid" and answer["message"]
    errors = {e["field"]: e["message"] for e in answer["errors"]}
    assert field in errors, errors
    if mentioned:
        assert mentioned in errors[field]
    assert await snapshot(settings) == stored
    assert (await client.get(check_url(uuid), headers=officer)).status_code == 404
    # The refusal did not reserve the UUID: the corrected check is accepted under it.
    assert (await client.put(check_url(uuid), json=check_body(), headers=officer)).status_code == 201


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
async def test_a_longitude_that_is_not_a_number_is_422(
    client: Any, officer: dict[str, str], settings: Any, value: str
) -> None:
    stored = await snapshot(settings)
    # Written by hand: a strict JSON encoder refuses to write NaN, a careless client does not.
    raw = json.dumps(check_body()).replace('"lon": 110.7981', f'"lon": {value}')
    assert value in raw
    response = await client.put(
        check_url(new_uuid()), content=raw, headers=officer | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["location.lon"]
    assert await snapshot(settings) == stored


async def test_a_body_that_is_not_json_is_a_4xx_with_a_message(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    stored = await snapshot(settings)
    response = await client.put(
        check_url(new_uuid()),
        content=b'{"campaign": "sanitation",',
        headers=officer | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]
    assert await snapshot(settings) == stored


async def test_a_check_path_that_is_not_a_uuid_is_not_found(client: Any, officer: dict[str, str]) -> None:
    response = await client.put(check_url("not-a-uuid"), json=check_body(), headers=officer)
    assert response.status_code == 404
    assert response.json()["message"]


async def test_html_in_a_note_is_stored_as_sent_and_shown_as_text(
    client: Any, officer: dict[str, str]
) -> None:
    script = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
    uuid = new_uuid()
    body = check_body(note=f"check note {script}", answers=_answers(note=f"answer note {script}"))
    assert (await client.put(check_url(uuid), json=body, headers=officer)).status_code == 201

    stored = (await client.get(check_url(uuid), headers=officer)).json()
    assert stored["note"] == f"check note {script}"
    assert stored["answers"][0]["note"] == f"answer note {script}"

    page = await client.get(f"/checks/{uuid}", headers=officer)
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "check note &lt;script&gt;alert(" in page.text
    assert "answer note &lt;script&gt;alert(" in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


# --- GET checks ---------------------------------------------------------------------------------------


async def test_get_a_check_returns_it_as_stored(client: Any, officer: dict[str, str]) -> None:
    uuid, site = new_uuid(), demo.SITES[0]
    body = check_body(
        site=site.code,
        note="overflowing at the corner",
        answers=[
            {"item": "san-01", "result": "fail", "severity": "critical", "note": "bins overflowing"},
            {"item": "san-02", "result": "pass"},
            {"item": "san-03", "result": "na"},
        ],
    )
    assert (await client.put(check_url(uuid), json=body, headers=officer)).status_code == 201
    response = await client.get(check_url(uuid), headers=officer)
    assert response.status_code == 200
    check = response.json()
    assert check["uuid"] == uuid and check["campaign"] == "sanitation" and check["kind"] == "patrol"
    assert datetime.fromisoformat(check["recorded_at"]) == datetime.fromisoformat(body["recorded_at"])
    assert check["recorded_at"].endswith("+08:00")  # in the phone's own offset, as it was sent
    assert check["location"] == body["location"]
    assert check["site"]["code"] == site.code
    assert check["note"] == "overflowing at the corner"
    assert [(a["item"], a["result"], a["severity"], a["note"]) for a in check["answers"]] == [
        ("san-01", "fail", "critical", "bins overflowing"),
        ("san-02", "pass", None, ""),
        ("san-03", "na", None, ""),
    ]
    assert [(f["item"], f["severity"]) for f in check["findings"]] == [("san-01", "critical")]


async def test_list_of_my_checks_is_newest_first(client: Any, officer: dict[str, str]) -> None:
    uuids = [new_uuid() for _ in range(3)]
    for uuid in uuids:
        assert (await client.put(check_url(uuid), json=check_body(), headers=officer)).status_code == 201
    other = await token_for(client, "officer2")
    theirs = new_uuid()
    assert (await client.put(check_url(theirs), json=check_body(), headers=other)).status_code == 201

    response = await client.get("/api/v1/checks?author=me", headers=officer)
    assert response.status_code == 200
    listed = [c["uuid"] for c in response.json()["items"]]
    assert listed[:3] == uuids[::-1]
    assert theirs not in listed

    since = (datetime.now(UTC) + timedelta(minutes=1)).astimezone(CHINA).isoformat()
    later = await client.get("/api/v1/checks", params={"author": "me", "since": since}, headers=officer)
    assert later.status_code == 200 and later.json()["items"] == []
    naive = await client.get("/api/v1/checks", params={"since": "2026-01-01T00:00:00"}, headers=officer)
    assert naive.status_code == 422


async def test_a_covert_check_is_404_to_those_it_is_hidden_from(client: Any) -> None:
    supervisor = await token_for(client, "supervisor")
    uuid = new_uuid()
    body = check_body(kind="unannounced", target_unit="sanitation-office")
    assert (await client.put(check_url(uuid), json=body, headers=supervisor)).status_code == 201
    assert (await client.get(check_url(uuid), headers=supervisor)).status_code == 200
    assert (await client.get(check_url(uuid), headers=await token_for(client, "office"))).status_code == 200
    for username in ("lead", "handler", "officer"):
        hidden = await client.get(check_url(uuid), headers=await token_for(client, username))
        assert hidden.status_code == 404, username
    never = await client.get(check_url(new_uuid()), headers=await token_for(client, "lead"))
    assert never.status_code == 404
    assert hidden.json()["message"] == never.json()["message"]  # nothing tells the two apart


# --- findings and status ------------------------------------------------------------------------------


async def test_a_finding_is_opened_for_each_failed_item(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    defaults = {i.code: i.severity for i in demo.CAMPAIGNS[0].items}
    before = await row_counts(settings)
    body = check_body(
        answers=[
            {"item": "san-01", "result": "fail", "severity": "critical", "note": "bins"},
            {"item": "san-02", "result": "fail"},  # no severity: the item's default
            {"item": "san-03", "result": "pass"},
            {"item": "san-04", "result": "na"},
            {"item": "san-05", "result": "fail", "severity": "minor"},
        ]
    )
    uuid = new_uuid()
    response = await client.put(check_url(uuid), json=body, headers=officer)
    assert response.status_code == 201
    findings = response.json()["findings"]
    assert [(f["item"], f["severity"], f["status"]) for f in findings] == [
        ("san-01", "critical", "new"),
        ("san-02", defaults["san-02"], "new"),
        ("san-05", "minor", "new"),
    ]
    assert len({f["id"] for f in findings}) == 3
    assert (await row_counts(settings))["findings"] == before["findings"] + 3
    got = (await client.get(check_url(uuid), headers=officer)).json()["findings"]
    assert [f["id"] for f in got] == [f["id"] for f in findings]

    passed = await client.put(
        check_url(new_uuid()),
        json=check_body(answers=[{"item": "san-01", "result": "pass"}]),
        headers=officer,
    )
    assert passed.json()["findings"] == []


async def test_the_check_is_awaiting_photos_until_every_photo_arrives(
    client: Any, officer: dict[str, str]
) -> None:
    first, second = new_uuid(), new_uuid()
    uuid = new_uuid()
    body = check_body(photos=[{"uuid": first, "item": "san-01"}, {"uuid": second, "item": None}])
    receipt = (await client.put(check_url(uuid), json=body, headers=officer)).json()
    assert receipt["status"] == "awaiting_photos"
    assert receipt["missing_photos"] == [first, second]

    one = await client.put(
        photo_url(uuid, first), content=jpeg_at(*HERE), headers=officer | {"Content-Type": "image/jpeg"}
    )
    assert one.status_code == 201 and one.json()["check_status"] == "awaiting_photos"
    halfway = (await client.get(check_url(uuid), headers=officer)).json()
    assert halfway["status"] == "awaiting_photos" and halfway["missing_photos"] == [second]

    two = await client.put(
        photo_url(uuid, second),
        content=jpeg_at(*HERE, colour=(10, 200, 10)),
        headers=officer | {"Content-Type": "image/jpeg"},
    )
    assert two.status_code == 201 and two.json()["check_status"] == "complete"
    done = (await client.get(check_url(uuid), headers=officer)).json()
    assert done["status"] == "complete" and done["missing_photos"] == []
    # The phone replaying the check after its photos learns that nothing is missing any more.
    replay = await client.put(check_url(uuid), json=body, headers=officer)
    assert replay.status_code == 200
    assert replay.json()["status"] == "complete" and replay.json()["missing_photos"] == []


# --- PUT a photo --------------------------------------------------------------------------------------


async def test_a_photo_is_201_then_200_for_the_same_bytes_and_409_for_others(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    data = fixture_photo("gps_DSCN0010.jpg")
    jpeg = officer | {"Content-Type": "image/jpeg"}

    first = await client.put(photo_url(uuid, photo), content=data, headers=jpeg)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["uuid"] == photo
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["width"], body["height"]) == (640, 480)
    assert body["exif_location"]["lat"] == pytest.approx(43.4674, abs=1e-3)
    assert body["exif_location"]["lon"] == pytest.approx(11.8851, abs=1e-3)
    assert body["taken_at"].startswith("2008-10-22T08:28:39")  # camera's local time read as Beijing time
    assert body["check_status"] == "complete"
    assert body["status"] == "processing"  # acknowledged once stored; the copies come after
    assert len((await snapshot(settings))[1]) == 1  # the original
    assert await derive_photos(client) == 1
    stored = await snapshot(settings)
    assert len(stored[1]) == 3  # original, display, thumb

    again = await client.put(photo_url(uuid, photo), content=data, headers=jpeg)
    assert again.status_code == 200
    assert again.json() == body | {"status": "ready"}
    other = await client.put(photo_url(uuid, photo), content=fixture_photo("gps_DSCN0021.jpg"), headers=jpeg)
    assert other.status_code == 409
    assert other.json()["error"] == "photo_differs"
    assert await snapshot(settings) == stored


async def test_a_photo_for_a_check_that_does_not_exist_is_404(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    stored = await snapshot(settings)
    response = await client.put(
        photo_url(new_uuid(), new_uuid()),
        content=fixture_photo("gps_DSCN0010.jpg"),
        headers=officer | {"Content-Type": "image/jpeg"},
    )
    assert response.status_code == 404
    assert response.json()["message"]
    assert await snapshot(settings) == stored
    assert stored[1] == []


async def test_a_photo_the_check_did_not_declare_is_404(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    uuid = await declare_check(client, officer, [new_uuid()])
    stored = await snapshot(settings)
    response = await client.put(
        photo_url(uuid, new_uuid()), content=jpeg_at(*HERE), headers=officer | {"Content-Type": "image/jpeg"}
    )
    assert response.status_code == 404
    assert response.json()["error"] == "photo_not_declared"
    assert await snapshot(settings) == stored


async def test_a_photo_for_another_users_check_is_404(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    stored = await snapshot(settings)
    response = await client.put(
        photo_url(uuid, photo),
        content=jpeg_at(*HERE),
        headers=await token_for(client, "officer2") | {"Content-Type": "image/jpeg"},
    )
    assert response.status_code == 404
    assert await snapshot(settings) == stored


async def test_only_the_author_may_add_photos_to_a_check_others_can_see(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    stored = await snapshot(settings)
    for username in ("lead", "office"):  # both may read the check
        headers = await token_for(client, username)
        assert (await client.get(check_url(uuid), headers=headers)).status_code == 200
        response = await client.put(
            photo_url(uuid, photo), content=jpeg_at(*HERE), headers=headers | {"Content-Type": "image/jpeg"}
        )
        assert response.status_code == 403, username
        assert response.json()["message"]
    assert await snapshot(settings) == stored


def _truncated() -> bytes:
    data = fixture_photo("gps_DSCN0010.jpg")
    return data[: len(data) // 2]


def _thirty_mb() -> bytes:
    return fixture_photo("gps_DSCN0010.jpg") + b"\x00" * (30 * 1024 * 1024)


def _just_over_the_limit() -> bytes:
    # Over the 20 MB photo limit, under the transport's body limit: the photo service says so.
    return fixture_photo("gps_DSCN0010.jpg") + b"\x00" * (20 * 1024 * 1024)


BAD_PHOTOS: dict[str, tuple[Any, str, int]] = {
    # name: (make the body, declared type, status)
    "truncated JPEG": (_truncated, "image/jpeg", 422),
    "text declared as JPEG": (lambda: b"this is not a photo at all\n" * 40, "image/jpeg", 422),
    "empty body": (lambda: b"", "image/jpeg", 422),
    "JPEG header then garbage": (lambda: b"\xff\xd8\xff\xe0" + b"\x13" * 5000, "image/jpeg", 422),
    "decompression bomb": (lambda: png_declaring(60_000, 60_000), "image/png", 422),
    "bomb just over the pixel limit": (lambda: png_declaring(8000, 5001), "image/png", 422),
    "a type that is not accepted": (lambda: fixture_photo("gps_DSCN0010.jpg"), "text/plain", 415),
    "no content type": (lambda: fixture_photo("gps_DSCN0010.jpg"), "", 415),
    "30 MB upload": (_thirty_mb, "image/jpeg", 413),
    "just over 20 MB": (_just_over_the_limit, "image/jpeg", 413),
}


@pytest.mark.parametrize("case", list(BAD_PHOTOS))
async def test_bad_photos_are_refused_with_a_message_and_nothing_half_saved(
    client: Any, officer: dict[str, str], settings: Any, case: str
) -> None:
    make, declared, status = BAD_PHOTOS[case]
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    stored = await snapshot(settings)

    headers = officer | ({"Content-Type": declared} if declared else {})
    response = await client.put(photo_url(uuid, photo), content=make(), headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["message"]
    assert await snapshot(settings) == stored
    assert stored[1] == []
    check = (await client.get(check_url(uuid), headers=officer)).json()
    assert check["status"] == "awaiting_photos" and check["missing_photos"] == [photo]
    # The phone sends the photo again, whole this time, and it is taken.
    retry = await client.put(
        photo_url(uuid, photo), content=jpeg_at(*HERE), headers=officer | {"Content-Type": "image/jpeg"}
    )
    assert retry.status_code == 201


async def test_the_pixel_limit_message_says_what_to_do(client: Any, officer: dict[str, str]) -> None:
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    response = await client.put(
        photo_url(uuid, photo),
        content=png_declaring(60_000, 60_000),
        headers=officer | {"Content-Type": "image/png", "Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "too_many_pixels"
    assert "40 megapixels" in response.json()["message"]


# --- GET a photo --------------------------------------------------------------------------------------


async def test_served_photos_carry_no_exif_and_the_original_is_for_the_office(
    client: Any, officer: dict[str, str]
) -> None:
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    data = fixture_photo("hdr_iphone_hdr_YES.jpg")
    assert b"Exif" in data[:100]
    response = await client.put(
        photo_url(uuid, photo), content=data, headers=officer | {"Content-Type": "image/jpeg"}
    )
    assert response.status_code == 201
    assert response.json()["exif_location"]["lon"] < 0  # kept as data, west of Greenwich

    for size, long_side in (("display", 2048), ("thumb", 320)):
        served = await client.get(f"/api/v1/photos/{photo}", params={"size": size}, headers=officer)
        assert served.status_code == 200, size
        assert served.headers["content-type"] == "image/jpeg"
        assert is_free_of_metadata(served.content), size
        with Image.open(io.BytesIO(served.content)) as image:
            assert max(image.size) == long_side
            assert image.size[0] > image.size[1]  # 3264 x 2448 keeps its landscape shape
    default = await client.get(f"/api/v1/photos/{photo}", headers=officer)
    assert default.status_code == 200 and is_free_of_metadata(default.content)

    refused = await client.get(f"/api/v1/photos/{photo}", params={"size": "original"}, headers=officer)
    assert refused.status_code == 403
    assert refused.json()["message"]
    office = await token_for(client, "office")
    original = await client.get(f"/api/v1/photos/{photo}", params={"size": "original"}, headers=office)
    assert original.status_code == 200
    assert original.content == data

    assert (
        await client.get(f"/api/v1/photos/{photo}", params={"size": "huge"}, headers=officer)
    ).status_code == 422
    stranger = await token_for(client, "officer2")
    assert (await client.get(f"/api/v1/photos/{photo}", headers=stranger)).status_code == 404
    assert (await client.get(f"/api/v1/photos/{new_uuid()}", headers=officer)).status_code == 404


async def test_exif_gps_xmp_and_comments_are_kept_as_data_not_served(
    client: Any, officer: dict[str, str]
) -> None:
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    data = jpeg_at(*north_of(*HERE, 30))
    assert b"private comment" in data and b"private xmp" in data
    response = await client.put(
        photo_url(uuid, photo), content=data, headers=officer | {"Content-Type": "image/jpeg"}
    )
    assert response.status_code == 201
    assert response.json()["exif_location"]["lat"] == pytest.approx(north_of(*HERE, 30)[0], abs=1e-5)
    for size in ("display", "thumb"):
        served = await client.get(f"/api/v1/photos/{photo}", params={"size": size}, headers=officer)
        assert is_free_of_metadata(served.content), size


async def test_a_declared_photo_not_yet_received_is_404(client: Any, officer: dict[str, str]) -> None:
    photo = new_uuid()
    await declare_check(client, officer, [photo])
    assert (await client.get(f"/api/v1/photos/{photo}", headers=officer)).status_code == 404


# --- the photo's position against the check's ---------------------------------------------------------


async def test_a_photo_taken_far_from_the_check_is_flagged(client: Any, officer: dict[str, str]) -> None:
    near, far, italy, none = new_uuid(), new_uuid(), new_uuid(), new_uuid()
    uuid = await declare_check(client, officer, [near, far, italy, none])
    jpeg = officer | {"Content-Type": "image/jpeg"}
    uploads = {
        near: jpeg_at(*north_of(*HERE, 150)),
        far: jpeg_at(*north_of(*HERE, 260), colour=(200, 200, 0)),
        italy: fixture_photo("gps_DSCN0010.jpg"),
        none: fixture_photo("mobile_jolla.jpg"),  # no GPS: nothing to compare, no flag
    }
    for photo, data in uploads.items():
        assert (await client.put(photo_url(uuid, photo), content=data, headers=jpeg)).status_code == 201

    check = (await client.get(check_url(uuid), headers=officer)).json()
    photos = {p["uuid"]: p for p in check["photos"]}
    assert photos[near]["far_from_check"] is False
    assert photos[near]["distance_m"] == pytest.approx(150, abs=2)
    assert photos[far]["far_from_check"] is True
    assert photos[far]["distance_m"] == pytest.approx(260, abs=2)
    assert photos[italy]["far_from_check"] is True
    assert photos[italy]["distance_m"] > 1_000_000
    assert photos[none]["far_from_check"] is False
    assert photos[none]["exif_location"] is None

    page = await client.get(f"/checks/{uuid}", headers=officer | {"Accept-Language": "en"})
    assert "2 photos were taken far from where the check was recorded." in page.text
    assert f"Taken {photos[far]['distance_m']:.0f} m away" in page.text
    assert f"Taken {photos[near]['distance_m']:.0f} m away" not in page.text
    assert page.text.count('class="badge flag" data-flag="far"') == 2  # the far one and the one in Italy
    # The photo from Italy was taken in 2008: its capture time is flagged as well.
    assert page.text.count('data-flag="implausible_time"') == len(
        [p for p in photos.values() if "implausible_time" in p["flags"]]
    )
    assert "implausible_time" in photos[italy]["flags"]


async def test_a_check_with_only_nearby_photos_shows_no_warning(client: Any, officer: dict[str, str]) -> None:
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    response = await client.put(
        photo_url(uuid, photo),
        content=jpeg_at(*north_of(*HERE, 40)),
        headers=officer | {"Content-Type": "image/jpeg"},
    )
    assert response.status_code == 201
    page = await client.get(f"/checks/{uuid}", headers=officer | {"Accept-Language": "en"})
    assert "taken far from where the check was recorded" not in page.text


# --- every real photo ---------------------------------------------------------------------------------

REAL_FILES = photo_fixture_names()
PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".heic": "image/heic", ".png": "image/png"}


def test_the_real_photos_are_there() -> None:
    assert len([n for n in REAL_FILES if n.lower().endswith((".jpg", ".heic"))]) >= 10, PHOTOS_DIR


@pytest.mark.parametrize("name", REAL_FILES)
async def test_every_real_file_is_processed_or_refused_cleanly(
    client: Any, officer: dict[str, str], settings: Any, name: str
) -> None:
    suffix = name[name.rfind(".") :].lower()
    declared = PHOTO_TYPES.get(suffix, "image/jpeg")  # anything else goes through the pipeline as a JPEG
    is_photo = suffix in PHOTO_TYPES and (suffix != ".heic" or HEIF_SUPPORTED)
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    stored = await snapshot(settings)

    response = await client.put(
        photo_url(uuid, photo),
        content=(PHOTOS_DIR / name).read_bytes(),
        headers=officer | {"Content-Type": declared},
    )
    assert response.status_code < 500, response.text
    if not is_photo:
        assert 400 <= response.status_code < 500
        assert response.json()["message"]
        assert await snapshot(settings) == stored
        return
    assert response.status_code == 201, response.text
    assert response.json()["check_status"] == "complete"
    for size in ("display", "thumb"):
        served = await client.get(f"/api/v1/photos/{photo}", params={"size": size}, headers=officer)
        assert served.status_code == 200
        assert is_free_of_metadata(served.content), (name, size)


@pytest.mark.parametrize(
    ("name", "lat", "lon"),
    [("gps_DSCN0010.jpg", 43.4674, 11.8851), ("hdr_iphone_hdr_YES.jpg", 40.4470, -3.7248)],
)
async def test_the_exif_position_of_real_photos_comes_through_the_api(
    client: Any, officer: dict[str, str], name: str, lat: float, lon: float
) -> None:
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    response = await client.put(
        photo_url(uuid, photo), content=fixture_photo(name), headers=officer | {"Content-Type": "image/jpeg"}
    )
    assert response.status_code == 201
    position = response.json()["exif_location"]
    assert position["lat"] == pytest.approx(lat, abs=1e-3)
    assert position["lon"] == pytest.approx(lon, abs=1e-3)
    assert math.copysign(1, position["lon"]) == math.copysign(1, lon)


async def test_orientation_fixtures_are_served_upright(client: Any, officer: dict[str, str]) -> None:
    # Both are stored sideways with an EXIF orientation; a person holding the phone saw 450 x 600
    # (portrait) and 600 x 450 (landscape).
    for name, expected in (
        ("orientation_portrait_6.jpg", (450, 600)),
        ("orientation_landscape_8.jpg", (600, 450)),
    ):
        photo = new_uuid()
        uuid = await declare_check(client, officer, [photo])
        response = await client.put(
            photo_url(uuid, photo),
            content=fixture_photo(name),
            headers=officer | {"Content-Type": "image/jpeg"},
        )
        assert (response.json()["width"], response.json()["height"]) == expected
        served = await client.get(f"/api/v1/photos/{photo}", headers=officer)
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.size == expected, name


# --- odd but possible input: a 4xx, never a 5xx ------------------------------------------------------

ODD_VALUES: dict[str, tuple[tuple[Any, ...], Any, str]] = {
    # name: (where in the body, the value, the field the error names)
    "kind as a list": (("kind",), ["patrol"], "kind"),
    "kind as an object": (("kind",), {"patrol": True}, "kind"),
    "source as a list": (("location", "source"), ["gps"], "location.source"),
    "result as an object": (("answers", 0, "result"), {"fail": 1}, "answers[0].result"),
    "severity as a list": (("answers", 0, "severity"), ["major"], "answers[0].severity"),
    "latitude with 400 digits": (("location", "lat"), 10**400, "location.lat"),
    "accuracy with 400 digits": (("location", "accuracy_m"), 10**400, "location.accuracy_m"),
    "photo position as a number": (("photos", 0, "exif_location"), 32.6, "photos[0].exif_location"),
    "photo position as text": (("photos", 0, "exif_location"), "32.6,110.8", "photos[0].exif_location"),
    "photo latitude with 400 digits": (
        ("photos", 0, "exif_location", "lat"),
        10**400,
        "photos[0].exif_location",
    ),
}


@pytest.mark.parametrize("case", list(ODD_VALUES))
async def test_values_of_the_wrong_type_are_422_not_a_server_error(
    client: Any, officer: dict[str, str], settings: Any, case: str
) -> None:
    where, value, field = ODD_VALUES[case]
    body = check_body(
        photos=[{"uuid": new_uuid(), "item": "san-01", "exif_location": {"lat": 32.6, "lon": 110.8}}]
    )
    target: Any = body
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    stored = await snapshot(settings)
    response = await client.put(
        check_url(new_uuid()),
        content=json.dumps(body),
        headers=officer | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    assert await snapshot(settings) == stored


async def test_a_check_body_over_a_megabyte_is_413(
    client: Any, officer: dict[str, str], settings: Any
) -> None:
    stored = await snapshot(settings)
    response = await client.put(check_url(new_uuid()), json=check_body(note="x" * 2_000_000), headers=officer)
    assert response.status_code == 413
    assert response.json()["message"]
    assert await snapshot(settings) == stored


async def test_deeply_nested_json_is_refused_as_unreadable(client: Any, officer: dict[str, str]) -> None:
    response = await client.put(
        check_url(new_uuid()),
        content=b"[" * 100_000 + b"]" * 100_000,
        headers=officer | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("stamp", "offset"),
    [("0001:01:01 00:05:00", None), ("0001:01:01 00:05:00", "+14:00"), ("9999:12:31 23:59:59", "-12:00")],
)
async def test_a_camera_clock_at_the_end_of_the_calendar_costs_only_the_time(
    client: Any, officer: dict[str, str], stamp: str, offset: str | None
) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769).update({0x9003: stamp} | ({0x9011: offset} if offset else {}))
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 10)).save(out, "JPEG", exif=exif.tobytes())
    photo = new_uuid()
    uuid = await declare_check(client, officer, [photo])
    response = await client.put(
        photo_url(uuid, photo), content=out.getvalue(), headers=officer | {"Content-Type": "image/jpeg"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["taken_at"] is None
    assert (await client.get(f"/checks/{uuid}", headers=officer)).status_code == 200


async def test_listing_since_the_ends_of_the_calendar(client: Any, officer: dict[str, str]) -> None:
    uuid = new_uuid()
    assert (await client.put(check_url(uuid), json=check_body(), headers=officer)).status_code == 201
    listed = []
    for since in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        response = await client.get("/api/v1/checks", params={"since": since}, headers=officer)
        assert response.status_code == 200, since
        listed.append([c["uuid"] for c in response.json()["items"]])
    assert listed == [[uuid], []]
    beyond = await client.get("/api/v1/checks", params={"before": str(10**30)}, headers=officer)
    assert beyond.status_code == 200
    assert [c["uuid"] for c in beyond.json()["items"]] == [uuid]
