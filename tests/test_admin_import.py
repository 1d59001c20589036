"""Imports of units, users, sites and checklists: all or nothing, every bad row listed,
the same file twice changes nothing, the dry run changes nothing, files that are not
spreadsheets refused; and `xuncha import` on the command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import token_for
from tests.live import REPO
from tests.support import FIXTURES_DIR

IMPORTS = FIXTURES_DIR / "imports"


def fixture(name: str) -> bytes:
    return (IMPORTS / name).read_bytes()


async def _import(client, kind, name, **params):
    headers = {**await token_for(client, "office"), "Accept-Language": "en"}
    query = "?dry_run=true" if params.get("dry_run") else ""
    return await client.post(f"/api/v1/admin/import/{kind}{query}", content=fixture(name), headers=headers)


async def _listing(client, what):
    headers = await token_for(client, "office")
    rows = (await client.get(f"/api/v1/admin/{what}", headers=headers)).json()
    # Logging in to ask moves the office's own last login; that is not the import's doing.
    return [{k: v for k, v in row.items() if k != "last_login_at"} for row in rows]


@pytest.mark.parametrize(
    ("kind", "good", "created", "listing", "key", "expect"),
    [
        ("units", "units_good.csv", 2, "units", "code", "imp-section"),
        ("users", "users_good.csv", 2, "users", "username", "imp.handler"),
        ("sites", "sites_good.csv", 2, "sites", "code", "imp-site-2"),
        ("sites", "sites_good.xlsx", 1, "sites", "code", "imp-x-1"),
        ("checklists", "checklists_good.csv", 0, "campaigns", "code", "sanitation"),
    ],
)
async def test_a_good_file_imports_and_a_second_import_changes_nothing(
    client, kind, good, created, listing, key, expect
):
    dry = await _import(client, kind, good, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    before = await _listing(client, listing)
    if kind != "checklists":
        assert expect not in {row[key] for row in before}  # the dry run changed nothing
    first = await _import(client, kind, good)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["created"] == created
    if kind == "checklists":
        assert body["updated"] == 1
    after = {row[key]: row for row in await _listing(client, listing)}
    assert expect in after
    if kind == "users":
        assert len(body["one_time_passwords"]) == 2
    if kind == "checklists":
        assert after["sanitation"]["checklist_version"] == 2
        assert [i["code"] for i in after["sanitation"]["items"]] == ["san-01", "san-50"]
    second = await _import(client, kind, good)
    assert second.status_code == 200
    assert second.json()["created"] == 0 and second.json()["updated"] == 0
    assert second.json()["unchanged"] >= 1
    assert "one_time_passwords" not in second.json()


@pytest.mark.parametrize(
    ("kind", "bad", "expected"),
    [
        (
            "units",
            "units_bad.csv",
            {(2, "parent"), (3, "code"), (4, "name_zh"), (4, "kind"), (4, "leader_in_charge"), (4, "active")},
        ),
        ("users", "users_bad.csv", {(2, "role"), (3, "unit"), (4, "username"), (5, "username")}),
        ("sites", "sites_bad.csv", {(2, "lat"), (3, "lon"), (4, "kind"), (4, "unit")}),
        ("checklists", "checklists_bad.csv", {(2, "campaign"), (3, "severity"), (4, "code")}),
    ],
)
async def test_a_bad_file_changes_nothing_and_lists_every_bad_row(client, kind, bad, expected):
    listing = {"checklists": "campaigns"}.get(kind, kind)
    before = await _listing(client, listing)
    response = await _import(client, kind, bad)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert expected <= {(e["row"], e["field"]) for e in errors}, errors
    assert all(e["message"] for e in errors)
    assert await _listing(client, listing) == before


async def test_a_good_row_is_not_kept_when_another_row_is_bad(client):
    headers = await token_for(client, "office")
    content = fixture("sites_good.csv") + b"imp-site-3,x,,road,99,110,maojian,true\n"
    response = await client.post("/api/v1/admin/import/sites", content=content, headers=headers)
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(4, "lat")]
    assert "imp-site-1" not in {s["code"] for s in await _listing(client, "sites")}


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("not_a_sheet.pdf", 415, "XLSX"),
        ("formula.csv", 422, "formula"),
        ("sites_formula.xlsx", 422, "formula"),
        ("wrong_header.csv", 422, "header"),
    ],
)
async def test_files_that_are_not_plain_spreadsheets_are_refused(client, name, status, words):
    response = await _import(client, "sites", name)
    assert response.status_code == status, response.text
    assert words.lower() in response.json()["message"].lower()


async def test_too_large_a_file_is_refused(client):
    headers = await token_for(client, "office")
    big = b"code,name,kind,lat,lon,unit\n" + b"x" * (5 * 1024 * 1024 + 10)
    response = await client.post("/api/v1/admin/import/sites", content=big, headers=headers)
    assert response.status_code == 413


async def test_templates_download_and_import_back(client):
    from io import BytesIO

    from openpyxl import load_workbook

    headers = await token_for(client, "office")
    for kind in ("units", "users", "sites", "checklists"):
        response = await client.get(f"/api/v1/admin/import/{kind}/template.xlsx", headers=headers)
        assert response.status_code == 200
        sheet = load_workbook(BytesIO(response.content)).worksheets[0]
        assert [c.value for c in sheet[1]][0] in ("code", "username", "campaign")
    assert (await client.get("/api/v1/admin/import/cats/template.xlsx", headers=headers)).status_code == 404
    sites = await client.get("/api/v1/admin/import/sites/template.xlsx", headers=headers)
    back = await client.post("/api/v1/admin/import/sites", content=sites.content, headers=headers)
    assert back.status_code == 200 and back.json()["created"] == 1


def _cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        XUNCHA_DATA_DIR=str(settings.data_dir),
        XUNCHA_DATABASE_URL=settings.database_url,
        XUNCHA_SECRET_KEY="x",
    )
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "import", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )


async def test_the_command_line_import(client, settings):
    dry = _cli(settings, "sites", str(IMPORTS / "sites_good.csv"), "--dry-run")
    assert dry.returncode == 0 and "nothing changed" in dry.stdout and "created 2" in dry.stdout
    bad = _cli(settings, "sites", str(IMPORTS / "sites_bad.csv"))
    assert bad.returncode == 1 and "row 2, lat" in bad.stderr
    done = _cli(settings, "sites", str(IMPORTS / "sites_good.csv"))
    assert done.returncode == 0 and "created 2" in done.stdout
    again = _cli(settings, "sites", str(IMPORTS / "sites_good.csv"))
    assert "created 0, updated 0, unchanged 2" in again.stdout
