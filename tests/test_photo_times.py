"""A photo's own capture time that cannot be true (2099, 1990) is kept as data and flagged, shown
where flags are shown, and counts as before the assignment for an after-photo."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import check_body, login, token_for
from tests.helpers_findings import (
    HERE,
    assign,
    get_finding,
    new_finding,
    new_uuid,
    offset,
    plain_jpeg,
    rectify,
    with_exif,
)

EN = {"Accept-Language": "en"}


async def after_photo(client, taken: datetime) -> tuple[int, dict]:
    finding_id = await new_finding(client)
    await assign(client, finding_id)
    data = with_exif(plain_jpeg(), taken=taken, position=offset(*HERE, north_m=5))
    result = await rectify(client, finding_id, photos=[data])
    finding = await get_finding(client, finding_id, "lead")
    (photo,) = finding["rectifications"][-1]["photos"]
    assert photo["flags"] == result["receipt"]["flags"]
    return finding_id, photo


@pytest.mark.parametrize("year", [2099, 1990])
async def test_an_after_photo_with_an_impossible_time_is_flagged_and_counts_as_before_assignment(
    client, year
) -> None:
    finding_id, photo = await after_photo(client, datetime(year, 6, 1, 10, 0, 0))
    assert photo["taken_at"].startswith(f"{year}-06-01")  # kept as data
    assert set(photo["flags"]) == {"implausible_time", "before_assignment"}
    finding = await get_finding(client, finding_id, "lead")
    assert "implausible_time" in finding["flags"]

    await login(client, "lead")
    page = await client.get(f"/findings/{finding_id}", headers=EN)
    assert page.status_code == 200
    assert "Impossible capture time" in page.text
    assert 'data-flag="implausible_time"' in page.text


async def test_a_check_photo_from_2099_is_flagged_on_the_check_page(client) -> None:
    officer = await token_for(client, "officer")
    check, photo = new_uuid(), new_uuid()
    body = check_body(photos=[{"uuid": photo, "item": None}])
    assert (await client.put(f"/api/v1/checks/{check}", json=body, headers=officer)).status_code == 201
    data = with_exif(plain_jpeg(), taken=datetime(2099, 1, 1, 8, 0, 0))
    uploaded = await client.put(
        f"/api/v1/checks/{check}/photos/{photo}",
        content=data,
        headers=officer | {"Content-Type": "image/jpeg"},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["flags"] == ["implausible_time"]
    assert uploaded.json()["taken_at"].startswith("2099-01-01")
    await login(client, "officer")
    page = await client.get(f"/checks/{check}", headers=EN)
    assert 'data-flag="implausible_time"' in page.text and "Impossible capture time" in page.text


async def test_a_photo_taken_minutes_ago_is_not_flagged(client) -> None:
    from tests.test_rectifications import local_now

    _finding_id, photo = await after_photo(client, local_now(1))
    assert photo["flags"] == []
