"""The installable app as the server serves it: the service worker, the manifest, the offline page,
and how much the check form costs to load the first time."""

from __future__ import annotations

import gzip
import io
import json
import re
from typing import Any

from litestar.testing import AsyncTestClient
from PIL import Image

from server import pwa
from server.app import create_app
from server.web import STATIC_DIR, asset
from tests.conftest import DEMO_PASSWORD, csrf_from, make_settings

EN = {"Accept-Language": "en"}
# The budget for the check form's first load, compressed, htmx included.
FIRST_LOAD_BUDGET = 60 * 1024


async def login(client: Any, username: str) -> None:
    # conftest.login expects the 303, which the test client follows by default.
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "_csrf": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def version_of(source: str) -> str:
    match = re.search(r'var VERSION = "([0-9a-f]{12})";', source)
    assert match, "the service worker names its version"
    return match.group(1)


async def test_the_service_worker_is_served_from_the_root_to_be_checked_on_every_visit(client):
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["service-worker-allowed"] == "/"
    source = response.text
    assert response.headers["etag"] == f'"sw-{version_of(source)}"'
    again = await client.get("/sw.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_the_precache_list_names_every_file_of_the_app_shell_by_its_content_hash(client):
    source = (await client.get("/sw.js")).text
    precache = json.loads(re.search(r"var PRECACHE = (\[.*?\]);", source).group(1))
    assert precache == [asset(path) for path in pwa.APP_SHELL] + ["/manifest.webmanifest", "/offline"]
    for url in precache:
        assert (await client.get(url)).status_code == 200, url
    for path in pwa.APP_SHELL:
        assert re.fullmatch(rf"/static/{re.escape(path)}\?v=[0-9a-f]{{10}}", asset(path))
    # The worker shares the outbox's code with the pages.
    assert (
        f"importScripts.apply(self, {json.dumps([asset('vendor/idb-8.0.3.umd.js'), asset('js/outbox-core.js')])})"
        in source
    )


async def test_the_service_worker_is_the_same_file_for_everyone(client):
    anonymous_zh = (await client.get("/sw.js")).text
    anonymous_en = (await client.get("/sw.js", headers=EN)).text
    await login(client, "officer")
    officer = (await client.get("/sw.js")).text
    assert anonymous_zh == anonymous_en == officer


async def test_a_new_release_or_a_changed_file_is_a_new_service_worker(settings, monkeypatch):
    async def served(release: str) -> str:
        app = create_app(settings.with_(extra={"release": release}))
        async with AsyncTestClient(app=app) as c:
            return (await c.get("/sw.js")).text

    first, same, second = await served("2026.11.1"), await served("2026.11.1"), await served("2026.11.2")
    assert first == same
    assert version_of(first) != version_of(second)
    # A changed file of the shell changes its URL, and so the worker.
    original = pwa.asset
    monkeypatch.setattr(pwa, "asset", lambda path: original(path) + ("x" if path == "css/app.css" else ""))
    changed = await served("2026.11.1")
    assert version_of(changed) != version_of(first)
    assert asset("css/app.css") + "x" in changed


async def test_the_manifest_makes_an_installable_app_with_maskable_icons(client):
    response = await client.get("/manifest.webmanifest", headers=EN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "Xuncha field inspection" and manifest["short_name"] == "Xuncha"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5d4b"
    kinds = set()
    for icon in manifest["icons"]:
        image = await client.get(icon["src"])
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        width, height = Image.open(io.BytesIO(image.content)).size
        assert icon["sizes"] == f"{width}x{height}"
        kinds.add((icon["purpose"], width))
    assert kinds == {("any", 192), ("any", 512), ("maskable", 192), ("maskable", 512)}
    chinese = (await client.get("/manifest.webmanifest")).json()
    assert chinese["lang"] == "zh-CN" and chinese["name"] != manifest["name"]


async def test_the_offline_page_says_so_and_leads_back_to_the_checklists(client):
    response = await client.get("/offline", headers=EN)
    assert response.status_code == 200
    assert "Not available offline" in response.text
    assert 'href="/field"' in response.text and "data-outbox" in response.text


async def test_a_handlers_offline_page_leads_back_to_the_units_findings(client):
    await login(client, "handler")
    response = await client.get("/offline", headers=EN)
    assert response.status_code == 200
    assert 'href="/unit"' in response.text and 'href="/field"' not in response.text.split("<main", 1)[-1]
    assert "Back to my unit&#39;s findings" in response.text or "Back to my unit's findings" in response.text


async def test_every_page_links_the_manifest_and_registers_the_worker_and_recorders_get_the_outbox(client):
    login_page = (await client.get("/login", headers=EN)).text
    assert 'rel="manifest" href="/manifest.webmanifest"' in login_page
    assert asset("js/outbox.js") in login_page
    assert asset("js/outbox-core.js") not in login_page  # no one to record for yet
    await login(client, "officer")
    home = (await client.get("/field", headers=EN)).text
    assert 'id="outbox" data-outbox' in home
    for path in ("vendor/idb-8.0.3.umd.js", "js/outbox-core.js", "js/outbox.js"):
        assert asset(path) in home
    config = json.loads(re.search(r'id="xuncha-pwa">(.*?)</script>', home, re.S).group(1))
    assert config["user"] == "officer" and config["records"] is True
    assert config["exifr"] == asset("vendor/exifr-7.1.3.lite.umd.js")
    texts = json.loads(re.search(r'id="xuncha-pwa-i18n">(.*?)</script>', home, re.S).group(1))
    assert texts["saved"] == "Saved on this phone"


async def test_a_handler_gets_the_outbox_for_rectifications_and_keeps_the_units_pages(client):
    await login(client, "handler")
    unit = (await client.get("/unit", headers=EN)).text
    for path in ("vendor/idb-8.0.3.umd.js", "js/outbox-core.js", "js/outbox.js"):
        assert asset(path) in unit
    assert 'id="outbox" data-outbox' in unit
    config = json.loads(re.search(r'id="xuncha-pwa">(.*?)</script>', unit, re.S).group(1))
    assert config["user"] == "handler" and config["records"] is True
    # The unit's list is the home kept on the phone, and its JSON twin names the pages to keep.
    assert config["home"] == "/unit" and config["keep"] == "/api/v1/unit/findings"
    assert config["login"] == "/login?next=/unit"
    texts = json.loads(re.search(r'id="xuncha-pwa-i18n">(.*?)</script>', unit, re.S).group(1))
    assert texts["saved"] == "Saved on this phone"
    assert texts["waitingOne"] == "1 rectification is waiting to be sent."
    assert (await client.get("/api/v1/unit/findings")).status_code == 200


async def test_the_worker_keeps_the_officers_and_the_handlers_pages_and_the_rectification_form(client):
    source = (await client.get("/sw.js")).text
    kept = [re.compile(r) for r in json.loads(re.search(r"var KEPT_PAGES = (\[.*?\])\.map", source).group(1))]
    pruned = [
        re.compile(r) for r in json.loads(re.search(r"var PRUNED_PAGES = (\[.*?\])\.map", source).group(1))
    ]
    homes = json.loads(re.search(r"var HOMES = (\[.*?\]);", source).group(1))

    def keeps(path: str) -> bool:
        return any(r.search(path) for r in kept)

    for path in ("/field", "/field/checks", "/field/sanitation/new", "/unit", "/unit/findings/12"):
        assert keeps(path), path
    for path in (
        "/desk",
        "/office",
        "/checks/x",
        "/unit/findings/1/notice",
        "/unit/findings/x",
        "/api/v1/me",
    ):
        assert not keeps(path), path
    candidates = ("/field/sanitation/new", "/unit/findings/12", "/unit", "/field")
    assert [p for p in candidates if any(r.search(p) for r in pruned)] == [
        "/field/sanitation/new",
        "/unit/findings/12",
    ]
    assert homes == ["/field", "/unit"]
    assert asset("js/rectify-form.js") in source


def _gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


async def test_the_check_forms_first_load_stays_under_60_kb_compressed_with_htmx(client):
    await login(client, "officer")
    html = (await client.get("/field/sanitation/new")).content
    urls = re.findall(rb'<script src="([^"]+)"', html) + re.findall(
        rb'<link rel="(?:stylesheet|icon)"[^>]* href="([^"]+)"', html
    )
    urls = [u.decode() for u in urls]
    assert asset("js/check-form.js") in urls and asset("css/app.css") in urls
    assert asset("vendor/exifr-7.1.3.lite.umd.js") not in urls  # loaded when a photo is chosen
    sizes: dict[str, Any] = {"page": _gzipped(html)}
    for url in urls + [asset("vendor/htmx-2.0.11.min.js")]:
        path = url.split("?")[0].removeprefix("/static/")
        data = (STATIC_DIR / path).read_bytes()
        sizes[path] = len(data) if path.endswith(".png") else _gzipped(data)
    total = sum(sizes.values())
    assert total < FIRST_LOAD_BUDGET, f"{total} bytes: {sizes}"


async def test_the_release_name_comes_from_the_environment_when_settings_do_not_give_one(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("XUNCHA_RELEASE", "from-env")
    settings = make_settings(tmp_path / "data", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    app = create_app(settings)
    async with AsyncTestClient(app=app) as c:
        assert 'var RELEASE = "from-env";' in (await c.get("/sw.js")).text
