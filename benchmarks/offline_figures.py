"""Figures for the offline-first PWA, measured in headless Chromium against a real server.

    XUNCHA_CHROMIUM=/usr/bin/chromium .venv/bin/python benchmarks/offline_figures.py

1. Bytes over the network for a first load of the check form (CDP Network.loadingFinished
   encodedDataLength, summed per request), the biggest requests, what the service worker
   downloads in the background when it installs, and a repeat load (app shell from the worker).
2. Time from tapping "save" to "saved on this phone" with a ~4 MB, 12 MP photo, without and with
   4x CPU throttling (a mid-range phone), right after choosing the photo and a few seconds later.
3. Time from the connection coming back to "confirmed by the server".
"""

from __future__ import annotations

import gzip
import io
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests.support imports conftest as the tests do

from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402

from tests.browser.phone import answer, launch, log_in, open_form, phone, wait_offline_ready  # noqa: E402
from tests.live import LiveServer  # noqa: E402
from tests.support import fixture_photo  # noqa: E402

RUNS = 3


def big_photo(folder: Path) -> Path:
    """A 12 MP phone-like JPEG of about 4 MB, with the Nokia fixture's EXIF."""
    source = Image.open(io.BytesIO(fixture_photo("mobile_HMD_Nokia_8.3_5G.jpg")))
    exif = source.info.get("exif", b"")
    image = source.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    # Upscaling smooths the picture; a little sensor-like noise brings back a camera's file size.
    noise = Image.effect_noise((4000, 3000), 18).convert("RGB")
    image = Image.blend(image, noise, 0.13)
    path = folder / "phone-4mb.jpg"
    # The highest quality that stays at about 4 MB, as a phone camera's own file would be.
    for quality in (98, 97, 96, 95, 94, 93, 92, 90, 88, 85):
        image.save(path, "JPEG", quality=quality, exif=exif)
        if path.stat().st_size <= 4.4 * 1024 * 1024:
            break
    return path


class NetworkLog:
    """Per-request encoded bytes of one page, from the DevTools protocol."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.requests: dict[str, dict[str, Any]] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict[str, Any]) -> None:
        self.requests[event["requestId"]] = {"url": event["request"]["url"], "bytes": 0, "sw": False}

    def _response(self, event: dict[str, Any]) -> None:
        entry = self.requests.setdefault(event["requestId"], {"url": event["response"]["url"], "bytes": 0})
        entry["sw"] = bool(event["response"].get("fromServiceWorker"))

    def _finished(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = event["encodedDataLength"]

    def reset(self) -> None:
        self.requests = {}

    def report(self, title: str, base: str) -> int:
        rows = sorted(self.requests.values(), key=lambda r: -r["bytes"])
        total = sum(r["bytes"] for r in rows)
        print(f"\n{title}: {len(rows)} requests, {total:,} bytes over the network")
        for r in rows:
            where = "service worker" if r.get("sw") else "network"
            print(f"  {r['bytes']:>8,}  {where:<14}  {r['url'].replace(base, '')}")
        return total


def precache_bytes(base: str, cookies: dict[str, str]) -> tuple[int, list[tuple[int, str]]]:
    source = httpx.get(base + "/sw.js").text
    urls = re.findall(r'"(/[^"]+)"', re.search(r"var PRECACHE = (\[.*?\]);", source).group(1))
    sizes = []
    with httpx.Client(base_url=base, cookies=cookies, headers={"Accept-Encoding": "gzip"}) as client:
        for url in urls:
            with client.stream("GET", url) as response:
                raw = b"".join(response.iter_raw())
            sizes.append((len(raw), url))
    return sum(s for s, _ in sizes), sorted(sizes, reverse=True)


SAVE_AND_TIME = """() => new Promise((resolve, reject) => {
    const state = document.querySelector('[data-save-state]');
    const start = performance.now();
    const seen = new MutationObserver(() => {
        if (state.classList.contains('is-ok')) { seen.disconnect(); resolve(performance.now() - start); }
        if (state.classList.contains('is-bad')) { seen.disconnect(); reject(new Error(state.textContent)); }
    });
    seen.observe(state, {attributes: true, childList: true, characterData: true, subtree: true});
    document.querySelector('[data-save]').click();
})"""


def save_with_photo(page: Page, photo: Path, settle_s: float) -> float:
    open_form(page)
    answer(page, "san-01", "fail")
    page.fill("textarea[name=n_san-01]", "bins overflowing")
    page.set_input_files("input[name=p_san-01]", str(photo))
    answer(page, "san-02", "pass")
    if settle_s:
        page.wait_for_timeout(settle_s * 1000)
    page.evaluate(
        "() => { window.__saved = null; (" + SAVE_AND_TIME + ")().then("
        "v => { window.__saved = v; }, e => { window.__saved = 'not saved: ' + e.message; }); }"
    )
    page.wait_for_function("() => window.__saved !== null", timeout=120_000)
    result = page.evaluate("window.__saved")
    if isinstance(result, str):
        raise RuntimeError(result)
    return float(result)


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        LiveServer(Path(tmp) / "server") as live,
        sync_playwright() as p,
    ):
        photo = big_photo(Path(tmp))
        print(f"Xuncha offline figures against {live.url} (headless Chromium, Pixel 7 profile)")
        print(f"test photo: {photo.stat().st_size / 1024 / 1024:.1f} MB, 4000x3000")
        browser = launch(p)

        # 1. First and repeat loads of the check form: a phone that has a session and nothing else.
        context = phone(browser, p, live)
        login_page = context.request.get("/login")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', login_page.text()).group(1)
        response = context.request.post(
            "/login", form={"username": "officer", "password": "xuncha-demo", "_csrf": csrf}, max_redirects=0
        )
        assert response.status == 303, response.status
        page = context.new_page()
        net = NetworkLog(context, page)
        page.goto("/field/sanitation/new", wait_until="networkidle")
        first = net.report("First load of the check form (empty cache, no service worker yet)", live.url)
        session = {c["name"]: c["value"] for c in context.cookies()}
        install, biggest = precache_bytes(live.url, session)
        print(f"\nService worker install, in the background: {install:,} bytes for {len(biggest)} files")
        for size, url in biggest[:5]:
            print(f"  {size:>8,}  {url}")
        html = httpx.get(live.url + "/static/vendor/htmx-2.0.11.min.js").content
        htmx = len(gzip.compress(html, 6))
        print(
            f"\nFirst load + htmx (not loaded by the form today, {htmx:,} B gzip): {first + htmx:,} bytes; budget 61,440"
        )

        wait_offline_ready(page)
        net.reset()
        page.reload(wait_until="networkidle")
        repeat = net.report(
            "Repeat load, online (page network-first; app shell from the service worker)", live.url
        )
        shell = sum(r["bytes"] for r in net.requests.values() if "/static/" in r["url"])
        print(f"  app shell bytes over the network: {shell:,}")
        context.set_offline(True)
        net.reset()
        page.reload(wait_until="load")
        offline = net.report("Repeat load, offline", live.url)
        context.set_offline(False)

        # 2. Save with a 4 MB photo; 3. from online to confirmed. A phone as the officer has it:
        # logged in through the page, the app kept for offline use.
        context.close()
        context = phone(browser, p, live)
        page = context.new_page()
        log_in(page)
        wait_offline_ready(page)
        print("\nTap save -> 'saved on this phone' (ms), with a 4 MB photo, offline:")
        results: dict[str, list[float]] = {}
        send_times: list[float] = []
        for throttle in (1, 4):
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
            for settle in (0.0, 3.0):
                key = (
                    f"cpu x{throttle}, saved {'at once' if not settle else f'{settle:.0f} s'} after choosing"
                )
                for _ in range(RUNS):
                    context.set_offline(True)
                    results.setdefault(key, []).append(save_with_photo(page, photo, settle))
                    if throttle == 1 and settle:
                        # From the connection coming back to the form saying "confirmed by the
                        # server", on the wall clock of this script.
                        started = time.perf_counter()
                        context.set_offline(False)
                        page.wait_for_selector("[data-send-state].is-ok", timeout=60_000)
                        send_times.append((time.perf_counter() - started) * 1000)
                    context.set_offline(False)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        for key, values in results.items():
            print(
                f"  {key:<40} median {statistics.median(values):7.0f}  runs {', '.join(f'{v:.0f}' for v in values)}"
            )
        print("\nConnection back -> 'confirmed by the server' (ms), one check with one ~0.5 MB shrunk photo:")
        print(
            f"  median {statistics.median(send_times):.0f}  runs {', '.join(f'{v:.0f}' for v in send_times)}"
        )
        print(
            f"\nSummary: first load {first:,} B (+ htmx {first + htmx:,} B), repeat online {repeat:,} B "
            f"(app shell {shell:,} B), repeat offline {offline:,} B"
        )
        browser.close()


if __name__ == "__main__":
    main()
