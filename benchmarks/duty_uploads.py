"""Time a unit's largest document upload and the office's matrix of the year's duties.

    .venv/bin/python benchmarks/duty_uploads.py [--units 40] [--duties 12] [--mb 20]

A fresh migrated SQLite database with the demo data in a temporary folder, grown to the given
number of assessed units, each with a handler; the office sets the given number of duties, and
every unit answers each with a small PDF through the API. Prints: the time to upload one document
of the size limit (XUNCHA_MAX_DUTY_FILE_BYTES) through the API and the process's peak memory
around it, then the time of the office's /api/v1/duties and of its /duties page over the matrix.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from litestar.testing import AsyncTestClient  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402
from sqlalchemy import select  # noqa: E402

from server.app import create_app  # noqa: E402
from server.db import Database, upgrade  # noqa: E402
from server.demo.loader import load_demo  # noqa: E402
from server.models import Unit, User  # noqa: E402
from server.settings import Settings  # noqa: E402


def pdf(text: str, pad_to: int = 0) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    body = out.getvalue()
    if pad_to > len(body):
        # A comment line before the trailer's end keeps it a PDF of the size wanted.
        cut = body.rindex(b"%%EOF")
        body = body[:cut] + b"%" + b"0" * (pad_to - len(body) - 2) + b"\n" + body[cut:]
    return body


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def grow(settings: Settings, units: int) -> list[str]:
    """Assessed units up to `units`, each with a handler whose password is the demo one."""
    db = Database(settings)
    try:
        async with db.write() as session:
            have = list((await session.scalars(select(Unit).where(Unit.kind == "office"))).all())
            template = (await session.scalars(select(User).where(User.username == "handler"))).one()
            for n in range(units - len(have)):
                unit = Unit(code=f"bench-{n:03d}", name_zh=f"测试单位{n}", name_en=f"Unit {n}", kind="office")
                session.add(unit)
                await session.flush()
                session.add(
                    User(
                        username=f"bench-handler-{n:03d}",
                        display_name=f"处理人{n}",
                        role="handler",
                        unit_id=unit.id,
                        password_hash=template.password_hash,
                    )
                )
        async with db.read() as session:
            rows = await session.execute(
                select(User.username).where(User.role == "handler").order_by(User.username)
            )
            return [r[0] for r in rows]
    finally:
        await db.dispose()


async def token(client: AsyncTestClient, username: str) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/token", json={"username": username, "password": "xuncha-demo"})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def run(units: int, duties: int, mb: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder), max_duty_file_bytes=mb * 2**20, argon2_time_cost=1, argon2_memory_kib=8192
        ).resolved()
        await asyncio.to_thread(upgrade, settings.database_url)
        await load_demo(settings)
        handlers = await grow(settings, units)
        async with AsyncTestClient(app=create_app(settings), base_url="http://bench.local") as client:
            office = await token(client, "office")
            year = date.today().year
            ids = []
            for n in range(duties):
                body = {
                    "year": year,
                    "code": f"bench-{n:02d}",
                    "title_zh": f"任务{n}",
                    "deadline": date(year, 1 + n % 12, 10).isoformat(),
                }
                ids.append((await client.post("/api/v1/duties", json=body, headers=office)).json()["id"])
            heads = {h: await token(client, h) for h in handlers}
            unit_of = {}
            for h in handlers:
                unit_of[h] = (await client.get("/api/v1/me", headers=heads[h])).json()["unit"]["code"]
            big = pdf("the largest document", pad_to=mb * 2**20)
            before = peak_mb()
            start = time.perf_counter()
            answer = await client.put(
                f"/api/v1/duties/{ids[0]}/answers/{unit_of[handlers[0]]}",
                content=big,
                headers=heads[handlers[0]],
            )
            upload_s = time.perf_counter() - start
            assert answer.status_code == 201, answer.text
            print(
                f"upload of a {len(big) / 2**20:.1f} MB PDF through the API: {upload_s * 1000:.0f} ms; "
                f"peak memory {before:.0f} MB before, {peak_mb():.0f} MB after"
            )
            small = pdf("answer")
            start = time.perf_counter()
            count = 0
            for duty_id in ids:
                for h in handlers:
                    url = f"/api/v1/duties/{duty_id}/answers/{unit_of[h]}"
                    reply = await client.put(url, content=small + h.encode(), headers=heads[h])
                    count += reply.status_code in (200, 201)
            took = time.perf_counter() - start
            print(f"{count} small answers in {took:.1f} s ({count / took:.0f} per second)")
            start = time.perf_counter()
            listed = await client.get("/api/v1/duties", params={"year": year}, headers=office)
            api_s = time.perf_counter() - start
            cells = sum(len(d["answers"]) for d in listed.json())
            print(f"GET /api/v1/duties, {len(ids) + 3} duties, {cells} unit answers: {api_s * 1000:.0f} ms")
            page_client = client
            form = await page_client.get("/login")
            csrf = form.text.split('name="_csrf" value="')[1].split('"')[0]
            await page_client.post(
                "/login", data={"username": "office", "password": "xuncha-demo", "_csrf": csrf}
            )
            start = time.perf_counter()
            matrix = await page_client.get("/duties", params={"year": year})
            page_s = time.perf_counter() - start
            assert matrix.status_code == 200
            print(
                f"GET /duties (the office's matrix): {page_s * 1000:.0f} ms, {len(matrix.content) / 1024:.0f} KB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--duties", type=int, default=12)
    parser.add_argument("--mb", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.units, args.duties, args.mb))


if __name__ == "__main__":
    main()
