"""Server memory under 40 parallel uploads of a small 40-megapixel PNG, with and without the decode budget.

    .venv/bin/python benchmarks/upload_memory.py [--uploads 40] [--only bounded|unbounded]

A real server runs in a subprocess on a free loopback port. The PNG (8000 x 5000, one colour) is
about 120 KB on the wire and 120 MB once decoded. Every upload is declared by its own check, then
all photos are sent at once. Printed per configuration: the server's peak RSS (VmHWM) before and
after the burst, its RSS afterwards, the wall time and the answers' status codes. "bounded" is
the default settings (XUNCHA_PHOTO_DECODE_*); "unbounded" lifts the budget, as before it existed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import io
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.live import LiveServer  # noqa: E402

UNBOUNDED = {
    "XUNCHA_PHOTO_DECODE_SLOTS": "1000",
    "XUNCHA_PHOTO_DECODE_PIXELS": str(10**12),
    "XUNCHA_PHOTO_DECODE_QUEUE": "1000",
}


def big_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8000, 5000), (30, 128, 64)).save(out, "PNG", compress_level=9)
    return out.getvalue()


def memory_kib(pid: int) -> tuple[int, int]:
    """(peak RSS, current RSS) of the process and its children, in KiB, from /proc."""
    peak = current = 0
    for p in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        peak += int(fields.get("VmHWM", "0 kB").split()[0])
        current += int(fields.get("VmRSS", "0 kB").split()[0])
    return peak, current


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            found += [child, *_children(child)]
    return found


async def burst(base: str, png: bytes, uploads: int) -> tuple[collections.Counter[int], float]:
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        token = (
            await client.post("/api/v1/auth/token", json={"username": "officer", "password": "xuncha-demo"})
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        urls = []
        for _ in range(uploads):
            check, photo = str(uuid.uuid4()), str(uuid.uuid4())
            body = {
                "campaign": "sanitation",
                "kind": "patrol",
                "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "location": {"lat": 32.6293, "lon": 110.7981, "accuracy_m": 8.0, "source": "gps"},
                "site": None,
                "target_unit": None,
                "answers": [{"item": "san-01", "result": "pass"}],
                "note": "",
                "photos": [{"uuid": photo, "item": None}],
            }
            response = await client.put(f"/api/v1/checks/{check}", json=body, headers=auth)
            response.raise_for_status()
            urls.append(f"/api/v1/checks/{check}/photos/{photo}")
        headers = auth | {"Content-Type": "image/png"}
        started = time.perf_counter()
        answers = await asyncio.gather(*(client.put(url, content=png, headers=headers) for url in urls))
        return collections.Counter(a.status_code for a in answers), time.perf_counter() - started


def run(name: str, env: dict[str, str], png: bytes, uploads: int) -> None:
    with tempfile.TemporaryDirectory() as folder, LiveServer(Path(folder), extra_env=env) as server:
        assert server.process is not None
        pid = server.process.pid
        peak_before, _ = memory_kib(pid)
        codes, seconds = asyncio.run(burst(server.url, png, uploads))
        peak_after, rss_after = memory_kib(pid)
        print(
            f"{name:>9}: peak RSS before {peak_before / 1024:.0f} MB, after {peak_after / 1024:.0f} MB; "
            f"RSS afterwards {rss_after / 1024:.0f} MB; {seconds:.1f} s; "
            f"answers {dict(sorted(codes.items()))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=40)
    parser.add_argument("--only", choices=("bounded", "unbounded"))
    args = parser.parse_args()
    png = big_png()
    print(f"{args.uploads} parallel uploads of an 8000 x 5000 PNG of {len(png) / 1024:.0f} KB")
    if args.only != "unbounded":
        run("bounded", {}, png, args.uploads)
    if args.only != "bounded":
        run("unbounded", UNBOUNDED, png, args.uploads)


if __name__ == "__main__":
    main()
