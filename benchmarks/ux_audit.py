"""Lighthouse (mobile) and axe-core on the pages people use in the field and at the desk.

    (cd benchmarks/ux_tools && npm install)   # once: Lighthouse 12.2.3 and axe-core, git-ignored
    XUNCHA_CHROMIUM=/usr/bin/chromium .venv/bin/python benchmarks/ux_audit.py

A real server (SQLite in a temporary folder, the demo data, one finding assigned to the handler's
unit) is started; each page is loaded logged in as its user. Lighthouse runs its default mobile
profile (Moto G Power screen, simulated slow 4G and 4x CPU slowdown) in headless Chromium, with
the session cookie sent as a header; axe-core is injected into the same page in a Playwright phone
context. Printed per page: Lighthouse performance, CLS, total blocking time and accessibility,
and the count of serious or critical axe violations, then what each failing check was.
XUNCHA_UX_REPORTS=<folder> keeps Lighthouse's JSON reports there.
Aims: performance >= 95, CLS < 0.05, TBT < 200 ms, accessibility 100, no serious axe violation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests.support imports conftest as the tests do

from playwright.sync_api import Browser, Playwright, sync_playwright  # noqa: E402

from tests.browser.phone import assigned_finding, chromium_path, launch, log_in, phone  # noqa: E402
from tests.live import LiveServer  # noqa: E402
from tests.support import PHOTOS_DIR  # noqa: E402

TOOLS = ROOT / "benchmarks" / "ux_tools" / "node_modules"
LIGHTHOUSE = TOOLS / "lighthouse" / "cli" / "index.js"
AXE = TOOLS / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def pages(finding_id: int) -> list[tuple[str, str, str, str]]:
    """(name, user, the page they land on after logging in, address)."""
    return [
        ("officer's home", "officer", "/field", "/field"),
        ("check form", "officer", "/field", "/field/sanitation/new"),
        ("unit's list", "handler", "/unit", "/unit"),
        ("unit's finding", "handler", "/unit", f"/unit/findings/{finding_id}"),
        ("desk", "lead", "/desk", "/desk"),
    ]


def session_cookie(
    browser: Browser, playwright: Playwright, live: LiveServer, user: str, lands_on: str
) -> str:
    context = phone(browser, playwright, live)
    try:
        page = context.new_page()
        log_in(page, user, lands_on=lands_on)
        return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(live.url))
    finally:
        context.close()


def axe(
    browser: Browser, playwright: Playwright, live: LiveServer, cookie: str, path: str
) -> list[dict[str, Any]]:
    # The auditor is injected as an inline script, which the app's Content-Security-Policy refuses
    # (as it should): this context alone lets it in.
    context = phone(browser, playwright, live, extra_http_headers={"Cookie": cookie}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(path, wait_until="load")
        page.wait_for_timeout(1500)  # the position, the outbox and the nearest sites arrive
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
        return result["violations"]
    finally:
        context.close()


def lighthouse(url: str, cookie: str, out: Path) -> dict[str, Any]:
    env = dict(os.environ, CHROME_PATH=chromium_path())
    subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox",
            f"--extra-headers={json.dumps({'Cookie': cookie})}",
        ],
        env=env,
        check=True,
        timeout=300,
    )
    return json.loads(out.read_text())


def main() -> int:
    if not (LIGHTHOUSE.is_file() and AXE.is_file()):
        print(
            f"Lighthouse and axe-core are needed under {TOOLS.relative_to(ROOT)}: run `npm install` in benchmarks/ux_tools."
        )
        return 2
    rows, details = [], []
    with tempfile.TemporaryDirectory() as tmp, LiveServer(Path(tmp)) as live, sync_playwright() as playwright:
        finding_id = assigned_finding(live, PHOTOS_DIR / "gps_DSCN0010.jpg")
        browser = launch(playwright)
        cookies: dict[str, str] = {}
        for name, user, lands_on, path in pages(finding_id):
            if user not in cookies:
                cookies[user] = session_cookie(browser, playwright, live, user, lands_on)
            violations = axe(browser, playwright, live, cookies[user], path)
            out = Path(os.environ.get("XUNCHA_UX_REPORTS") or tmp) / f"{name.replace(' ', '-')}.json"
            report = lighthouse(live.url + path, cookies[user], out)
            audits, categories = report["audits"], report["categories"]
            serious = [v for v in violations if v.get("impact") in SERIOUS]
            rows.append(
                (
                    name,
                    round(categories["performance"]["score"] * 100),
                    audits["cumulative-layout-shift"]["numericValue"],
                    audits["total-blocking-time"]["numericValue"],
                    round(categories["accessibility"]["score"] * 100),
                    len(serious),
                )
            )
            failing = [
                ref["id"]
                for ref in categories["accessibility"]["auditRefs"]
                if ref["weight"]
                and (audits[ref["id"]].get("score") is not None)
                and audits[ref["id"]]["score"] < 1
            ]
            landed = report.get("finalDisplayedUrl", "").removeprefix(live.url)
            details.append(
                f"{name} ({path}, Lighthouse landed on {landed}): lighthouse accessibility failing {failing or 'none'}; axe "
                + (
                    ", ".join(
                        f"{v['id']} ({v['impact']}: {' '.join(str(n['target']) for n in v['nodes'][:3])})"
                        for v in violations
                    )
                    or "none"
                )
            )
        browser.close()
    print(f"{'page':<16} {'perf':>5} {'CLS':>7} {'TBT ms':>7} {'a11y':>5} {'axe serious':>12}")
    for name, perf, cls, tbt, a11y, serious in rows:
        print(f"{name:<16} {perf:>5} {cls:>7.3f} {tbt:>7.0f} {a11y:>5} {serious:>12}")
    print()
    for line in details:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
