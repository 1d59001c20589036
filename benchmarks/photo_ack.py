"""How long a photo upload waits for its answer, before and after "acknowledge when safe, process
after", and how many photos per second the background derivation makes.

    .venv/bin/python benchmarks/photo_ack.py [--photos 40] [--photo mobile_HMD_Nokia_8.3_5G.jpg]

Phone-sized photos (the fixture shrunk to a 1920 px long side at JPEG quality 88, about 0.3-0.5 MB,
each slightly different so that each has its own sha256) are used throughout.

1. The work an upload waits for, in one thread against a file store in a temporary folder:
   before = decode, make the display copy and thumbnail, write all three files;
   after = check the header and structure, write the original.
2. Through the real app (SQLite, the demo data, the sync API's PUT): the answer's latency with the
   copies made later, then the queue drained by one worker, as photos per second.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))  # tests.support imports conftest as the tests do

from PIL import Image  # noqa: E402

from server.photos.pipeline import inspect_photo, process_photo  # noqa: E402
from server.photos.store import FileStore, derived_key, original_key  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.support import fixture_photo  # noqa: E402


def phone_photos(name: str, count: int) -> list[bytes]:
    source = Image.open(io.BytesIO(fixture_photo(name)))
    exif = source.info.get("exif", b"")
    scale = 1920 / max(source.size)
    base = source.convert("RGB").resize((round(source.width * scale), round(source.height * scale)))
    photos = []
    for n in range(count):
        variant = base.copy()
        variant.putpixel((n % variant.width, 0), (n % 256, 0, 0))  # a different sha256 each
        out = io.BytesIO()
        variant.save(out, "JPEG", quality=88, exif=exif)
        photos.append(out.getvalue())
    return photos


def percentiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def before(store: FileStore, data: bytes) -> None:
    processed = process_photo(data, "image/jpeg")
    store.put(original_key(processed.sha256, "image/jpeg"), data)
    store.put(derived_key("display", processed.sha256), processed.display_jpeg)
    store.put(derived_key("thumb", processed.sha256), processed.thumb_jpeg)


def after(store: FileStore, data: bytes) -> None:
    facts = inspect_photo(data, "image/jpeg")
    store.put(original_key(facts.sha256, "image/jpeg"), data)


def function_level(photos: list[bytes]) -> None:
    for name, work in (("before (decode, copies, 3 files)", before), ("after (header, original)", after)):
        with tempfile.TemporaryDirectory() as folder:
            store = FileStore(Path(folder))
            work(store, photos[0])  # warm-up
            seconds = []
            for data in photos[1:]:
                started = time.perf_counter()
                work(store, data)
                seconds.append(time.perf_counter() - started)
        rate = len(seconds) / sum(seconds)
        print(
            f"  {name}: {percentiles(seconds)} per photo, {rate:.1f} photos/s ({len(seconds)} photos, one thread)"
        )


def through_the_app(photos: list[bytes]) -> None:
    from conftest import make_settings
    from server.db import upgrade

    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        settings = make_settings(data_dir, f"sqlite+aiosqlite:///{data_dir / 'xuncha.db'}", photo_workers=0)
        upgrade(settings.database_url)  # runs its own event loop, so before the app's
        asyncio.run(_through_the_app(settings, photos))


async def _through_the_app(settings: Settings, photos: list[bytes]) -> None:
    from litestar.testing import AsyncTestClient

    from conftest import check_body, token_for
    from server.app import create_app
    from server.demo.loader import load_demo

    await load_demo(settings)
    async with AsyncTestClient(app=create_app(settings), base_url="http://bench.local") as client:
        officer = await token_for(client, "officer")
        jpeg = officer | {"Content-Type": "image/jpeg"}
        seconds = []
        for data in photos:
            photo, check = str(uuid.uuid4()), str(uuid.uuid4())
            body = check_body(photos=[{"uuid": photo, "item": None}])
            await client.put(f"/api/v1/checks/{check}", json=body, headers=officer)
            started = time.perf_counter()
            answer = await client.put(f"/api/v1/checks/{check}/photos/{photo}", content=data, headers=jpeg)
            seconds.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.text
        print(f"  PUT photo answered (status processing): {percentiles(seconds)} ({len(seconds)} photos)")
        deriver = client.app.state.photos.deriver
        started = time.perf_counter()
        done = await asyncio.to_thread(client.blocking_portal.call, deriver.drain)
        elapsed = time.perf_counter() - started
        print(
            f"  queue drained by one worker: {done} photos in {elapsed:.1f} s = {done / elapsed:.1f} photos/s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--photo", default="mobile_HMD_Nokia_8.3_5G.jpg")
    args = parser.parse_args()
    photos = phone_photos(args.photo, args.photos + 1)
    sizes = sorted(len(p) for p in photos)
    print(
        f"{len(photos)} phone-sized photos from {args.photo}: {sizes[0] / 1e6:.2f}-{sizes[-1] / 1e6:.2f} MB"
    )
    print("The work an upload waits for:")
    function_level(photos)
    with tempfile.TemporaryDirectory() as folder:
        store = FileStore(Path(folder))
        started = time.perf_counter()
        for data in photos:
            processed = process_photo(data, "image/jpeg")
            store.put(derived_key("display", processed.sha256), processed.display_jpeg)
            store.put(derived_key("thumb", processed.sha256), processed.thumb_jpeg)
        elapsed = time.perf_counter() - started
    print(f"  derivation alone (decode, copies, 2 files): {len(photos) / elapsed:.1f} photos/s, one thread")
    print("Through the app (SQLite):")
    through_the_app(photos[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
