"""Time the photo pipeline against a bare Pillow baseline on a real phone photo, in one run.

    .venv/bin/python benchmarks/photo_pipeline.py [--runs 15] [--photo mobile_HMD_Nokia_8.3_5G.jpg] [--check]

The budget is pipeline <= 1.5x baseline (medians). Baseline and pipeline are timed alternately so that
machine noise lands on both. Peak memory is measured per call in a forked child (RSS high-water mark,
which sees Pillow's C buffers); tracemalloc only sees Python objects and is shown beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import io
import math
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))  # tests.support imports conftest as the tests do

from PIL import Image  # noqa: E402

from server.photos.pipeline import (  # noqa: E402
    DISPLAY_LONG_SIDE,
    JPEG_QUALITY,
    RESAMPLE,
    process_photo,
)
from tests.support import fixture_photo  # noqa: E402

BUDGET = 1.5
WARM_UPS = 2


def baseline(data: bytes) -> bytes:
    """What any Pillow thumbnailer does at minimum: open, draft, resize to the display size, save."""
    im = Image.open(io.BytesIO(data))
    scale = DISPLAY_LONG_SIDE / max(im.size)
    size = (round(im.width * scale), round(im.height * scale))
    im.draft("RGB", size)
    out = io.BytesIO()
    im.resize(size, RESAMPLE, reducing_gap=1.0).save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def decode(data: bytes, *, draft: bool) -> None:
    im = Image.open(io.BytesIO(data))
    if draft:
        scale = DISPLAY_LONG_SIDE / max(im.size)
        im.draft("RGB", (round(im.width * scale), round(im.height * scale)))
    im.load()


def pipeline(data: bytes) -> object:
    return process_photo(data, "image/jpeg")


def median_p95(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    return statistics.median(ordered), ordered[math.ceil(0.95 * len(ordered)) - 1]


def time_interleaved(funcs: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    for func in funcs.values():
        for _ in range(WARM_UPS):
            func()
    timings: dict[str, list[float]] = {name: [] for name in funcs}
    names = list(funcs)
    for run in range(runs):
        for name in names if run % 2 == 0 else reversed(names):
            started = time.perf_counter()
            funcs[name]()
            timings[name].append(time.perf_counter() - started)
    return timings


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def peak_rss_growth(func: Callable[[], object]) -> int | None:
    """Bytes the RSS high-water mark rose by during one call, in a fork; None where Linux /proc is missing."""
    if not hasattr(os, "fork") or not Path("/proc/self/clear_refs").exists():
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: measure and report, never return into the parent's code
        try:
            os.close(read_end)
            # Hand the heap the parent left warm back to the kernel and reset the high-water mark, so the
            # figure is what this one call needs rather than what earlier runs left behind.
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None).malloc_trim(0)
            Path("/proc/self/clear_refs").write_text("5")
            before = _status_kib("VmRSS")
            func()
            os.write(write_end, str((_status_kib("VmHWM") - before) * 1024).encode())
        except OSError:
            pass
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reported = pipe.read()
    os.waitpid(pid, 0)
    return int(reported) if reported else None


def tracemalloc_peak(func: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--photo", default="mobile_HMD_Nokia_8.3_5G.jpg")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when the ratio exceeds {BUDGET}x")
    args = parser.parse_args()

    data = fixture_photo(args.photo)
    with Image.open(io.BytesIO(data)) as im:
        described = f"{im.width}x{im.height} {im.format}, {len(data) / 1e6:.2f} MB"
    funcs = {
        "baseline (open, draft, resize, save)": lambda: baseline(data),
        "process_photo": lambda: pipeline(data),
        "decode only, with draft (context)": lambda: decode(data, draft=True),
        "decode only, full size without draft (context)": lambda: decode(data, draft=False),
    }
    print(f"photo: {args.photo} ({described}); {args.runs} runs after {WARM_UPS} warm-ups")
    print(f"JPEG quality {JPEG_QUALITY}, resample {RESAMPLE.name}, display long side {DISPLAY_LONG_SIDE}")
    timings = time_interleaved(funcs, args.runs)
    for name, seconds in timings.items():
        median, p95 = median_p95(seconds)
        print(f"{name}: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")

    base_median, base_p95 = median_p95(timings["baseline (open, draft, resize, save)"])
    pipe_median, pipe_p95 = median_p95(timings["process_photo"])
    ratio = pipe_median / base_median
    print(f"pipeline/baseline ratio: {ratio:.2f}x (p95 {pipe_p95 / base_p95:.2f}x; budget {BUDGET:.2f}x)")

    for name, func in funcs.items():
        rss = peak_rss_growth(func)
        rss_text = f"+{rss / 1e6:.1f} MB" if rss is not None else "n/a"
        python_peak = tracemalloc_peak(func) / 1e6
        print(f"peak memory per call, {name}: RSS {rss_text}, Python objects {python_peak:.1f} MB")
    print("within budget" if ratio <= BUDGET else "OVER BUDGET")
    return 1 if args.check and ratio > BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
