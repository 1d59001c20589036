"""The lead's desk for a campaign with 1,000,000 findings on SQLite: app time against the bare SQL.

    .venv/bin/python benchmarks/desk_million.py
    .venv/bin/python benchmarks/desk_million.py [--findings 1000000] [--others 300000] [--runs 100]
        [--dir DIR] [--month YYYY-MM] [--campaign sanitation] [--fresh]

The first run builds the database (about two minutes: the real schema by the project's own
migrations, the demo reference data, then checks, answers and findings bulk-inserted on a
plain sqlite3 connection) and keeps it in DIR (default: xuncha-desk-million in the system's
temporary folder); later runs reuse it, applying any newer migration first. `--fresh` builds
it again.

The data: `--findings` findings for the benchmark campaign and `--others` spread over the
other six, over the twelve months up to the moment of generation, in every status (new,
assigned, submitted, rework, closed, merged; overdue and escalated ones too), assigned to
the campaign's responsible unit or to the district bureaus, at the register's sites or
anywhere, a few from covert checks (some disclosed).

What is measured, per run, through the real app in process (Litestar's ASGI app driven by
httpx, logged in as the campaign's lead with a bearer token), as server time (from the ASGI
call to the last byte of the response body):

- the first page of the findings list: GET /api/v1/findings?campaign=C&limit=50
- the month's indicators with their status counts: GET /api/v1/indicators?campaign=C&month=M

and against them, on a raw sqlite3 connection, the bare SQL those two need written as one
plain statement each: the list's page (with the joins for the codes and names it shows) and
the one aggregate (a SUM(CASE ...) per figure) of the month's indicators and status counts.
The desk's load is the sum of the two requests; the aim is p95 under 300 ms and within 3x
of the bare SQL. Times are warm (the file in the page cache), as on a serving machine; the
first, cold request is printed too. The planner sees no ANALYZE statistics, as on a server.
The whole desk page as the lead loads it is measured too, side by side in the same runs: GET
/desk in a browser's session (logged in through the login form, with its session cookie), all of
it (the filtered page, the month's figures, the all-time counts, deadlines, the feed,
notifications, the template) against the bare SQL of every statement the page needs, run one
after the other on the raw connection. Its aim is the same: p95 under 300 ms. The page reads its
figures from the running counts (server/findings/counts.py), which the generator fills once its
rows are in; the bare SQL counts the findings themselves, so "same figures" and "same all-time
counts" check the counts against a plain recount at full size. Beside it, for the record,
IndicatorService.status_counts (the campaign's all-time counts by status).
On a machine busy with other work the p95 figures swing: the load average before and after is
printed; run it on a quiet one, or several times and take the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from server.app import create_app  # noqa: E402
from server.assessment.indicators import month_bounds  # noqa: E402
from server.db import upgrade  # noqa: E402
from server.demo.loader import load_demo  # noqa: E402
from server.findings.counts import rebuild  # noqa: E402
from server.settings import Settings  # noqa: E402

GENERATOR_VERSION = 1
TIMEZONE = "Asia/Shanghai"
PASSWORD = "xuncha-demo"
AIM_P95_MS = 300.0
AIM_RATIO = 3.0
DISTRICTS = ("maojian", "zhangwan", "etdz")
SHIYAN = (32.6293, 110.7981)


# --- the database ----------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    """How SQLAlchemy stores a UTCDateTime on SQLite (naive UTC, microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def settings_for(folder: Path) -> Settings:
    return Settings(
        data_dir=folder / "data",
        database_url=f"sqlite+aiosqlite:///{folder / 'data' / 'xuncha.db'}",
        secret_key="desk-million-benchmark",
        demo_password=PASSWORD,
        timezone=TIMEZONE,
        deadline_sweep_seconds=0,  # no escalation sweep writing while we measure
    ).resolved()


def ensure_database(folder: Path, campaign: str, findings: int, others: int, fresh: bool) -> dict[str, Any]:
    meta_path = folder / "desk_million.json"
    wanted = {"version": GENERATOR_VERSION, "campaign": campaign, "findings": findings, "others": others}
    settings = settings_for(folder)
    if not fresh and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} == wanted:
            upgrade(settings.database_url)  # a newer migration (an index, say) applies to the kept file
            print(f"reusing the database in {folder} (generated {meta['generated_at']})")
            return meta
    # Only what this script made goes: DIR may be a folder of the user's own.
    shutil.rmtree(folder / "data", ignore_errors=True)
    meta_path.unlink(missing_ok=True)
    (folder / "data").mkdir(parents=True)
    started = time.perf_counter()
    upgrade(settings.database_url)
    asyncio.run(load_demo(settings))
    end = datetime.now(UTC)
    path = Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    counts = generate(path, campaign, findings, others, end)
    recount(settings)  # the rows went in behind the app's back: count them as the app keeps them
    meta = wanted | {"generated_at": end.isoformat(), "seconds": round(time.perf_counter() - started, 1)}
    meta |= {"rows": counts}
    meta_path.write_text(json.dumps(meta, indent=2))
    print(f"generated {counts} in {meta['seconds']} s into {folder}")
    return meta


def recount(settings: Settings) -> None:
    """Fill the running counts the desk's figures read, as `xuncha db recount` does."""
    engine = create_engine(settings.database_url.replace("+aiosqlite", ""))
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo(settings.timezone))
    engine.dispose()


class Ref:
    """The demo's reference rows, by code."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.campaigns = {
            code: (cid, unit)
            for cid, code, unit in conn.execute("SELECT id, code, responsible_unit_id FROM campaigns")
        }
        self.items: dict[int, list[tuple[int, str]]] = {}
        for iid, cid, severity in conn.execute("SELECT id, campaign_id, severity FROM checklist_items"):
            self.items.setdefault(cid, []).append((iid, severity))
        self.units = dict(conn.execute("SELECT code, id FROM units").fetchall())
        self.users = dict(conn.execute("SELECT username, id FROM users").fetchall())
        self.sites = conn.execute("SELECT id, lat, lon FROM sites").fetchall()


def generate(path: Path, campaign: str, findings: int, others: int, end: datetime) -> dict[str, int]:
    rng = random.Random(20261129)
    conn = sqlite3.connect(path, isolation_level=None)
    # A throwaway build: no journal, no fsync; the marker file is written only once it is done.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    conn.execute("PRAGMA foreign_keys=OFF")
    ref = Ref(conn)
    main_id = ref.campaigns[campaign][0]
    other_ids = [cid for code, (cid, _unit) in ref.campaigns.items() if code != campaign]
    responsible = dict(ref.campaigns.values())
    start = end - timedelta(days=365)
    span = (end - start).total_seconds()

    # Checks of 1 to 3 failed items each, at random moments of the year, then in time order
    # so that ids grow with time as they do in a real database.
    plan: list[tuple[float, int, int]] = []
    for cid, total in [(main_id, findings)] + [(c, others // len(other_ids)) for c in other_ids]:
        while total > 0:
            k = min(rng.choice((1, 1, 1, 2, 2, 3)), total)
            plan.append((rng.random() * span, cid, k))
            total -= k
    plan.sort()

    officers = [ref.users["officer"], ref.users["officer2"]]
    supervisor = ref.users["supervisor"]
    office = ref.users["office"]
    checks: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    last_open: dict[int, int] = {}
    answer_id = finding_id = 0
    notice = 0
    for check_id, (offset, cid, k) in enumerate(plan, start=1):
        created = start + timedelta(seconds=offset)
        recorded = created - timedelta(seconds=rng.uniform(5, 1800))  # sent a little later, or offline
        covert = rng.random() < 0.03
        disclosed = created + timedelta(days=rng.uniform(1, 10)) if covert and rng.random() < 0.8 else None
        if disclosed is not None and disclosed > end:
            disclosed = None
        site = rng.choice(ref.sites) if rng.random() < 0.5 else None
        lat, lon = (
            (site[1], site[2])
            if site
            else (SHIYAN[0] + rng.uniform(-0.05, 0.05), SHIYAN[1] + rng.uniform(-0.08, 0.08))
        )
        checks.append(
            (
                check_id,
                f"00000000-0000-4000-8000-{check_id:012x}",
                supervisor if covert else rng.choice(officers),
                cid,
                "unannounced" if covert else "patrol",
                stamp(recorded),
                480,
                stamp(created),
                lat,
                lon,
                8.0,
                "gps",
                site[0] if site else None,
                None,
                "",
                f"{check_id:064x}",
                "complete",
                int(covert),
                stamp(disclosed) if disclosed else None,
                office if disclosed else None,
            )
        )
        for position, (item_id, severity) in enumerate(rng.sample(ref.items[cid], k)):
            answer_id += 1
            finding_id += 1
            answers.append((answer_id, check_id, item_id, position, "fail", severity, ""))
            f = _finding_life(rng, created, end, covert, disclosed)
            unit = None
            if f["assigned_at"] is not None:
                unit = responsible[cid] if rng.random() < 0.6 else ref.units[rng.choice(DISTRICTS)]
                notice += 1
            duplicate_of = None
            if f["status"] == "merged":
                duplicate_of = last_open.get(cid)
                if duplicate_of is None:
                    f["status"] = "new"
            elif f["status"] not in ("closed",):
                last_open[cid] = finding_id
            rows.append(
                (
                    finding_id,
                    check_id,
                    answer_id,
                    cid,
                    item_id,
                    site[0] if site else None,
                    severity,
                    f["status"],
                    lat + rng.uniform(-2e-4, 2e-4),
                    lon + rng.uniform(-2e-4, 2e-4),
                    stamp(recorded),
                    stamp(created),
                    stamp(f["updated_at"]),
                    int(covert),
                    stamp(disclosed) if disclosed else None,
                    unit,
                    _s(f["assigned_at"]),
                    _s(f["deadline"]),
                    _s(f["submitted_at"]),
                    _s(f["closed_at"]),
                    f["rework_count"],
                    duplicate_of,
                    f"十城管整改〔{f['assigned_at'].year}〕第{notice:04d}号" if f["assigned_at"] else None,
                    _s(f["escalated_at"]),
                )
            )
        if len(rows) >= 100_000:
            _flush(conn, checks, answers, rows)
    _flush(conn, checks, answers, rows)
    conn.execute("PRAGMA journal_mode=WAL")  # back to how the server runs it
    conn.close()
    return {"checks": len(plan), "findings": finding_id, "answers": answer_id}


def _s(moment: datetime | None) -> str | None:
    return stamp(moment) if moment is not None else None


def _finding_life(
    rng: random.Random, created: datetime, end: datetime, covert: bool, disclosed: datetime | None
) -> dict[str, Any]:
    """Where a finding of this age stands: a plausible history up to `end`."""
    life: dict[str, Any] = {
        "status": "new",
        "assigned_at": None,
        "deadline": None,
        "submitted_at": None,
        "closed_at": None,
        "rework_count": 0,
        "escalated_at": None,
        "updated_at": created,
    }
    if covert and disclosed is None:
        return life
    if rng.random() < 0.02:
        life["status"] = "merged"
        return life
    ready = disclosed or created
    assigned = ready + timedelta(hours=rng.uniform(1, 48))
    if assigned > end or rng.random() < 0.01:
        return life
    deadline = assigned + timedelta(days=rng.choice((1, 3, 3, 7, 15)))
    life.update(status="assigned", assigned_at=assigned, deadline=deadline, updated_at=assigned)
    moment = assigned
    for round_ in range(3):
        window = (deadline - moment).total_seconds()
        submitted = moment + timedelta(seconds=window * rng.uniform(0.1, 1.35))
        if submitted > end or rng.random() < 0.03:
            break  # not (yet) submitted: waiting, and overdue once the deadline passes
        life.update(status="submitted", submitted_at=submitted, updated_at=submitted)
        verified = submitted + timedelta(hours=rng.uniform(2, 72))
        if verified > end:
            break
        if round_ < 2 and rng.random() < 0.12:
            deadline = verified + timedelta(days=rng.choice((1, 3, 7)))
            life.update(
                status="rework",
                rework_count=life["rework_count"] + 1,
                deadline=deadline,
                updated_at=verified,
                escalated_at=None,
            )
            moment = verified
            continue
        life.update(status="closed", closed_at=verified, updated_at=verified)
        break
    life["deadline"] = deadline
    if life["status"] in ("assigned", "rework") and deadline < end:
        life["escalated_at"] = deadline + timedelta(minutes=rng.uniform(0, 1))
    return life


# Named, so that a column a later migration adds (with a default) does not shift the values.
COLUMNS = {
    "checks": "id uuid author_id campaign_id kind recorded_at recorded_offset_min received_at lat lon accuracy_m "
    "location_source site_id target_unit_id note body_sha256 status covert disclosed_at disclosed_by_id",
    "answers": "id check_id item_id position result severity note",
    "findings": "id check_id answer_id campaign_id item_id site_id severity status lat lon found_at created_at "
    "updated_at covert disclosed_at assigned_unit_id assigned_at deadline submitted_at closed_at rework_count "
    "duplicate_of_id notice_number escalated_at",
}


def _insert(conn: sqlite3.Connection, table: str, rows: list[Any]) -> None:
    names = COLUMNS[table].split()
    conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows)


def _flush(conn: sqlite3.Connection, checks: list[Any], answers: list[Any], rows: list[Any]) -> None:
    conn.execute("BEGIN")
    _insert(conn, "checks", checks)
    _insert(conn, "answers", answers)
    _insert(conn, "findings", rows)
    conn.execute("COMMIT")
    checks.clear()
    answers.clear()
    rows.clear()


# --- the bare SQL ---------------------------------------------------------------------

BARE_LIST = """
SELECT f.id, f.severity, f.status, f.lat, f.lon, f.found_at, f.created_at, f.assigned_at, f.deadline,
       f.submitted_at, f.closed_at, f.rework_count, f.notice_number, f.duplicate_of_id, f.covert,
       c.code, i.code, i.text_zh, s.code, s.name_zh, u.code, u.name_zh
FROM findings f
JOIN campaigns c ON c.id = f.campaign_id
JOIN checklist_items i ON i.id = f.item_id
LEFT JOIN sites s ON s.id = f.site_id
LEFT JOIN units u ON u.id = f.assigned_unit_id
WHERE f.campaign_id = :campaign AND (f.covert = 0 OR f.disclosed_at IS NOT NULL)
ORDER BY f.id DESC LIMIT 51
"""

# The month's indicators and status counts in one pass (docs/indicators.md has the definitions).
BARE_AGGREGATE = """
SELECT count(*) AS total,
       sum(CASE WHEN submitted_at IS NOT NULL THEN 1 ELSE 0 END) AS handled,
       sum(CASE WHEN assigned_at IS NOT NULL AND (status IN ('submitted', 'closed') OR deadline < :now)
           THEN 1 ELSE 0 END) AS due,
       sum(CASE WHEN status IN ('submitted', 'closed') AND submitted_at <= deadline THEN 1 ELSE 0 END) AS on_time,
       sum(CASE WHEN status = 'closed' OR rework_count > 0 THEN 1 ELSE 0 END) AS verified,
       sum(CASE WHEN rework_count > 0 THEN 1 ELSE 0 END) AS reworked,
       sum(CASE WHEN status IN ('assigned', 'rework') AND deadline < :now THEN 1 ELSE 0 END) AS overdue,
       sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS closed,
       sum(CASE WHEN status = 'new' THEN 1 ELSE 0 END) AS new,
       sum(CASE WHEN status = 'assigned' THEN 1 ELSE 0 END) AS assigned,
       sum(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
       sum(CASE WHEN status = 'rework' THEN 1 ELSE 0 END) AS rework
FROM findings
WHERE campaign_id = :campaign AND created_at >= :start AND created_at < :end
  AND status != 'merged' AND (covert = 0 OR disclosed_at IS NOT NULL)
"""


# The campaign's all-time counts by status, counted from the findings (the scope of the indicators).
BARE_STATUS_COUNTS = """
SELECT status, count(*) FROM findings
WHERE campaign_id = :campaign AND status != 'merged' AND (covert = 0 OR disclosed_at IS NOT NULL)
GROUP BY status
"""


# What else the whole desk page reads, as plain statements: the all-time counts of its cards,
# the deadline counts, the most overdue, the latest for the feed, the lead's notifications, the
# units for the filters. With BARE_LIST and BARE_AGGREGATE, this is the page's bare SQL.
BARE_PAGE_REST = (
    """SELECT status, count(*) FROM findings WHERE campaign_id = :campaign
       AND status IN ('assigned', 'submitted', 'rework', 'closed') GROUP BY status
       UNION ALL SELECT 'new', count(*) FROM findings WHERE campaign_id = :campaign
       AND status = 'new' AND (covert = 0 OR disclosed_at IS NOT NULL)""",
    """SELECT count(*) FROM findings WHERE campaign_id = :campaign
       AND status IN ('assigned', 'rework') AND deadline < :now""",
    """SELECT count(*) FROM findings WHERE campaign_id = :campaign
       AND status IN ('assigned', 'rework') AND deadline >= :now AND deadline <= :soon""",
    """SELECT * FROM findings WHERE campaign_id = :campaign AND status IN ('assigned', 'rework')
       AND deadline < :now ORDER BY deadline LIMIT 20""",
    """SELECT * FROM findings WHERE campaign_id = :campaign AND (covert = 0 OR disclosed_at IS NOT NULL)
       ORDER BY id DESC LIMIT 10""",
    """SELECT * FROM notifications WHERE user_id = :lead ORDER BY id DESC LIMIT 10""",
    """SELECT count(*) FROM notifications WHERE user_id = :lead AND read_at IS NULL""",
    """SELECT * FROM units WHERE active ORDER BY id""",
)


# The same page as it reads its figures now: the running counts for the month and of all time,
# and the month's unsettled findings for what moves with the clock; the rest as above.
BARE_COUNTS_PAGE = (
    """SELECT status, sum(findings), sum(handled), sum(assigned), sum(on_time), sum(reworked)
       FROM finding_counts WHERE campaign_id = :campaign AND month = :month GROUP BY status""",
    """SELECT sum(CASE WHEN status IN ('assigned', 'rework') AND deadline < :now THEN 1 ELSE 0 END),
              sum(CASE WHEN assigned_at IS NOT NULL AND deadline < :now THEN 1 ELSE 0 END)
       FROM findings WHERE campaign_id = :campaign AND created_at >= :month_start AND created_at < :month_end
       AND status IN ('new', 'assigned', 'rework') AND (covert = 0 OR disclosed_at IS NOT NULL)""",
    """SELECT status, sum(findings) FROM finding_counts WHERE campaign_id = :campaign GROUP BY status""",
    *BARE_PAGE_REST[1:],
)


def run_bare_counts_page(bare: sqlite3.Connection, params: dict[str, Any]) -> None:
    """Every statement of the desk page as it reads now, one after the other, rows fetched."""
    now = datetime.now(UTC)
    month = now.astimezone(ZoneInfo(TIMEZONE)).date().replace(day=1)
    start, end = month_bounds(month, TIMEZONE)
    at = params | {
        "now": stamp(now),
        "soon": stamp(now + timedelta(days=1)),
        "month": month.isoformat(),
        "month_start": stamp(start),
        "month_end": stamp(end),
    }
    bare.execute(BARE_LIST, at).fetchall()
    for statement in BARE_COUNTS_PAGE:
        bare.execute(statement, at).fetchall()


def run_bare_page(bare: sqlite3.Connection, params: dict[str, Any]) -> None:
    """Every statement of the desk page, one after the other, rows fetched."""
    now = datetime.now(UTC)
    at = params | {"now": stamp(now), "soon": stamp(now + timedelta(days=1))}
    bare.execute(BARE_LIST, at).fetchall()
    bare.execute(BARE_AGGREGATE, at).fetchone()
    for statement in BARE_PAGE_REST:
        bare.execute(statement, at).fetchall()


def bare_aggregate_json(row: sqlite3.Row) -> dict[str, Any]:
    def rate(numerator: int, denominator: int) -> dict[str, Any]:
        return {
            "numerator": numerator,
            "denominator": denominator,
            "value": numerator / denominator if denominator else None,
        }

    r = {k: int(row[k] or 0) for k in row.keys()}  # noqa: SIM118 - sqlite3.Row has keys(), not iteration
    return {
        "total": r["total"],
        "handling_rate": rate(r["handled"], r["total"]),
        "on_time_rate": rate(r["on_time"], r["due"]),
        "rework_rate": rate(r["reworked"], r["verified"]),
        "overdue": r["overdue"],
        "closure_rate": rate(r["closed"], r["total"]),
        "statuses": {s: r[s] for s in ("new", "assigned", "submitted", "rework", "closed")},
    }


# --- measuring ------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


async def measure(folder: Path, campaign: str, month: str, runs: int) -> None:
    settings = settings_for(folder)
    app = create_app(settings)
    server_times: list[float] = []
    load_before = os.getloadavg()

    async def timed_app(scope: Any, receive: Any, send: Any) -> None:
        # Server time: from the ASGI call to the last byte of the body (no network, no client).
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                server_times.append(time.perf_counter() - started)

        await app(scope, receive, timed_send)

    path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
    bare = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    bare.row_factory = sqlite3.Row
    ref = Ref(bare)
    campaign_id = ref.campaigns[campaign][0]
    lead, lead_id = bare.execute(
        "SELECT u.username, u.id FROM campaigns c JOIN users u ON u.id = c.lead_id WHERE c.id = ?",
        (campaign_id,),
    ).fetchone()
    start, end = month_bounds(datetime.strptime(month, "%Y-%m").date(), TIMEZONE)
    params = {"campaign": campaign_id, "start": stamp(start), "end": stamp(end), "lead": lead_id}

    list_url = f"/api/v1/findings?campaign={campaign}&limit=50"
    indicators_url = f"/api/v1/indicators?campaign={campaign}&month={month}"
    transport = httpx.ASGITransport(app=timed_app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://desk.local") as client:
        token = await client.post("/api/v1/auth/token", json={"username": lead, "password": PASSWORD})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['token']}", "Accept-Encoding": "gzip"}

        async def get(url: str) -> tuple[float, Any]:
            response = await client.get(url, headers=headers)
            assert response.status_code == 200, response.text
            return server_times[-1], response.json()

        cold_list, page = await get(list_url)
        cold_indicators, body = await get(indicators_url)
        now = stamp(datetime.now(UTC))
        bare_result = bare_aggregate_json(bare.execute(BARE_AGGREGATE, params | {"now": now}).fetchone())
        bare_page = bare.execute(BARE_LIST, params).fetchall()
        same_page = [f["id"] for f in page["items"]] == [r["id"] for r in bare_page[:50]]
        same_figures = body["indicators"] == bare_result
        for _ in range(3):  # warm-up
            await get(list_url)
            await get(indicators_url)

        app_list: list[float] = []
        app_indicators: list[float] = []
        bare_list: list[float] = []
        bare_agg: list[float] = []
        for _ in range(runs):
            app_list.append((await get(list_url))[0])
            app_indicators.append((await get(indicators_url))[0])
            bare_list.append(timed(lambda: bare.execute(BARE_LIST, params).fetchall())[0])
            at_now = params | {"now": stamp(datetime.now(UTC))}
            bare_agg.append(timed(lambda q=at_now: bare.execute(BARE_AGGREGATE, q).fetchone())[0])

        # The whole desk page as the lead's browser loads it: logged in through the form, so the
        # session cookie (not a token) says who is asking, as it does for a person.
        browser = httpx.AsyncClient(transport=transport, base_url="http://desk.local")
        form = await browser.get("/login")
        csrf = form.text.split('name="_csrf" value="', 1)[1].split('"', 1)[0]
        logged_in = await browser.post("/login", data={"username": lead, "password": PASSWORD, "_csrf": csrf})
        assert logged_in.status_code == 303, logged_in.status_code
        desk_url = f"/desk?campaign={campaign}"

        async def desk_page() -> float:
            response = await browser.get(desk_url, headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200, response.status_code
            assert "desk" in response.text
            return server_times[-1]

        cold_page = await desk_page()
        for _ in range(3):
            await desk_page()
        page_times: list[float] = []
        bare_page_times: list[float] = []
        bare_counts_times: list[float] = []
        counts_times: list[float] = []
        for _ in range(runs):
            page_times.append(await desk_page())
            bare_page_times.append(timed(lambda: run_bare_page(bare, params))[0])
            bare_counts_times.append(timed(lambda: run_bare_counts_page(bare, params))[0])
        for _ in range(max(1, runs // 5)):
            started = time.perf_counter()
            app_counts = await app.state.indicators.status_counts(campaign_id=campaign_id)
            counts_times.append(time.perf_counter() - started)
        await browser.aclose()
    # The desk's all-time counts, read from the running counts, against a plain count of the findings.
    bare_counts = dict.fromkeys(app_counts, 0) | dict(bare.execute(BARE_STATUS_COUNTS, params).fetchall())
    bare.close()
    load_after = os.getloadavg()

    in_campaign = (
        sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        .execute("SELECT count(*) FROM findings WHERE campaign_id = ?", (campaign_id,))
        .fetchone()[0]
    )
    app_desk = [a + b for a, b in zip(app_list, app_indicators, strict=True)]
    bare_desk = [a + b for a, b in zip(bare_list, bare_agg, strict=True)]
    print()
    print(
        f"campaign {campaign}: {in_campaign:,} findings; month {month} (Asia/Shanghai): "
        f"{body['indicators']['total']:,} findings opened in it; {runs} runs, warm"
    )
    print(
        f"first (cold) requests: list {cold_list * 1000:.1f} ms, indicators {cold_indicators * 1000:.1f} ms"
    )
    print(f"{'':34}{'p50 ms':>10}{'p95 ms':>10}")
    for name, values in (
        ("app  GET /api/v1/findings", app_list),
        ("app  GET /api/v1/indicators", app_indicators),
        ("app  desk (both)", app_desk),
        ("bare list SQL", bare_list),
        ("bare aggregate SQL", bare_agg),
        ("bare desk (both)", bare_desk),
    ):
        print(f"{name:34}{pct(values, 0.5):10.1f}{pct(values, 0.95):10.1f}")
    ratio50 = pct(app_desk, 0.5) / pct(bare_desk, 0.5)
    ratio95 = pct(app_desk, 0.95) / pct(bare_desk, 0.95)
    print(
        f"ratio app/bare, desk: p50 {ratio50:.2f}x, p95 {ratio95:.2f}x "
        f"(list {pct(app_list, 0.5) / pct(bare_list, 0.5):.2f}x, "
        f"indicators {pct(app_indicators, 0.5) / pct(bare_agg, 0.5):.2f}x at p50)"
    )
    print(f"same first page as the bare SQL: {same_page}; same figures as the bare aggregate: {same_figures}")
    if not same_figures:
        print(f"  app:  {body['indicators']}\n  bare: {bare_result}")
    print(
        f"the whole desk page, GET {desk_url} as the lead's browser loads it (cold: {cold_page * 1000:.1f} ms):"
    )
    print(f"{'':34}{'p50 ms':>10}{'p95 ms':>10}")
    for name, values in (
        ("app  GET /desk (whole page)", page_times),
        ("bare SQL of the page", bare_page_times),
        ("bare SQL, figures from the counts", bare_counts_times),
    ):
        print(f"{name:34}{pct(values, 0.5):10.1f}{pct(values, 0.95):10.1f}")
    page95 = pct(page_times, 0.95)
    print(
        f"ratio page/bare: p50 {pct(page_times, 0.5) / pct(bare_page_times, 0.5):.2f}x, "
        f"p95 {page95 / pct(bare_page_times, 0.95):.2f}x (against the bare SQL reading the counts: "
        f"p50 {pct(page_times, 0.5) / pct(bare_counts_times, 0.5):.2f}x); "
        f"page aim p95 < {AIM_P95_MS:.0f} ms: {'met' if page95 < AIM_P95_MS else 'MISSED'} ({page95:.1f} ms)"
    )
    print(
        f"beside the aim: IndicatorService.status_counts p50 {pct(counts_times, 0.5):.1f} ms, "
        f"p95 {pct(counts_times, 0.95):.1f} ms ({len(counts_times)} runs); "
        f"same all-time counts as the bare SQL: {app_counts == bare_counts}"
    )
    if app_counts != bare_counts:
        print(f"  app:  {app_counts}\n  bare: {bare_counts}")
    print(
        "load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}, after: {:.2f} {:.2f} {:.2f}".format(
            *load_before, *load_after
        )
    )
    p95 = pct(app_desk, 0.95)
    print(
        f"aim p95 < {AIM_P95_MS:.0f} ms: {'met' if p95 < AIM_P95_MS else 'MISSED'} ({p95:.1f} ms); "
        f"within {AIM_RATIO:.0f}x of bare: {'met' if ratio95 <= AIM_RATIO else 'MISSED'} ({ratio95:.2f}x)"
    )


def previous_month(moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo(TIMEZONE)).date().replace(day=1)
    previous = local - timedelta(days=1)
    return date(previous.year, previous.month, 1).strftime("%Y-%m")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--findings", type=int, default=1_000_000, help="findings of the measured campaign")
    parser.add_argument(
        "--others", type=int, default=300_000, help="findings spread over the other campaigns"
    )
    parser.add_argument("--campaign", default="sanitation")
    parser.add_argument("--month", default="", help="YYYY-MM; default: the last whole month of the data")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "xuncha-desk-million")
    parser.add_argument("--fresh", action="store_true", help="build the database again")
    args = parser.parse_args()
    meta = ensure_database(args.dir.resolve(), args.campaign, args.findings, args.others, args.fresh)
    month = args.month or previous_month(datetime.fromisoformat(meta["generated_at"]))
    asyncio.run(measure(args.dir.resolve(), args.campaign, month, args.runs))


if __name__ == "__main__":
    main()
