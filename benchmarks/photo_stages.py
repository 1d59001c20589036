"""CPU milliseconds of each step of making a photo's copies, on the photos the morning rush sends
(the fixture photos shrunk as the phone shrinks them: 2048 px, JPEG quality 70).

    .venv/bin/python benchmarks/photo_stages.py [--runs 20]

Prints process_photo per photo; then the steps of a phone's photo, which is its own display copy
less its metadata; then each step of a camera's original, which is decoded, shrunk and encoded,
with the alternatives weighed for it (resampling filters, thumbnail reduction, encoder options).
CPU time rather than wall time, so that other work on a shared machine weighs less on the figures.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import imagehash  # noqa: E402
from PIL import Image, ImageChops, ImageStat  # noqa: E402

from benchmarks.rush.phone import FIXTURES, phone_photos  # noqa: E402
from server.photos.jpeg import without_metadata  # noqa: E402
from server.photos.pipeline import (  # noqa: E402
    DISPLAY_LONG_SIDE,
    JPEG_QUALITY,
    RESAMPLE,
    THUMB_LONG_SIDE,
    THUMB_REDUCING_GAP,
    _fit,
    inspect_photo,
    process_photo,
)

R = Image.Resampling
CAMERA = FIXTURES / "mobile_HMD_Nokia_8.3_5G.jpg"  # 4608 x 1976, as a camera app saves it


def cpu_ms(func: Callable[[], object], runs: int) -> float:
    func()
    started = time.process_time()
    for _ in range(runs):
        func()
    return (time.process_time() - started) / runs * 1000


def psnr(image: Image.Image, reference: Image.Image) -> float:
    squared = ImageChops.difference(image, reference).point(lambda v: v * v)
    mse = sum(ImageStat.Stat(squared).mean) / 3
    return 10 * math.log10(255**2 / max(mse, 1e-9))


def jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def decoded(data: bytes, size: tuple[int, int]) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", size)
    im.load()
    return im


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    pictures = phone_photos()
    print(f"resample {RESAMPLE.name}, thumbnail reducing gap {THUMB_REDUCING_GAP}, quality {JPEG_QUALITY}")
    for n, data in enumerate(pictures):
        size = Image.open(io.BytesIO(data)).size
        whole = cpu_ms(lambda d=data: process_photo(d, "image/jpeg"), runs)
        check = cpu_ms(lambda d=data: inspect_photo(d, "image/jpeg"), runs)
        print(f"photo {n} ({size[0]}x{size[1]}, {len(data) / 1e6:.2f} MB): process_photo {whole:.1f} ms, "
              f"inspect_photo (before the receipt) {check:.2f} ms")  # fmt: skip

    sent = pictures[0]
    size = Image.open(io.BytesIO(sent)).size
    thumb_of_sent = _fit(size, THUMB_LONG_SIDE)
    print("\nsteps on photo 0, shown as sent:")
    print(f"  copy without metadata: {cpu_ms(lambda: without_metadata(sent, keep_icc=False), runs):.2f} ms")
    small = decoded(sent, thumb_of_sent)
    print(
        f"  decode (draft to {small.size[0]}x{small.size[1]}): {cpu_ms(lambda: decoded(sent, thumb_of_sent), runs):.1f} ms"
    )
    resize_ms = cpu_ms(lambda: small.resize(thumb_of_sent, RESAMPLE, reducing_gap=THUMB_REDUCING_GAP), runs)
    print(f"  thumbnail: {resize_ms:.1f} ms")

    data = CAMERA.read_bytes()
    target = _fit(Image.open(io.BytesIO(data)).size, DISPLAY_LONG_SIDE)
    full = decoded(data, target)
    print(f"\nsteps on a camera's original ({CAMERA.name}), display {target[0]}x{target[1]}:")
    print(
        f"  decode (draft to {full.size[0]}x{full.size[1]}): {cpu_ms(lambda: decoded(data, target), runs):.1f} ms"
    )
    reference = full.resize(target, R.LANCZOS)
    for name, method in (("lanczos", R.LANCZOS), ("bicubic", R.BICUBIC), ("hamming", R.HAMMING),
                         ("bilinear", R.BILINEAR)):  # fmt: skip
        ms = cpu_ms(lambda m=method: full.resize(target, m, reducing_gap=1.0), runs)
        quality = psnr(full.resize(target, method, reducing_gap=1.0), reference)
        print(f"  resize to the display copy, {name}: {ms:.1f} ms ({quality:.1f} dB from lanczos)")
    display = full.resize(target, RESAMPLE, reducing_gap=1.0)
    for name, options in (("default", {}), ("optimize", {"optimize": True}),
                          ("progressive", {"progressive": True})):  # fmt: skip
        ms = cpu_ms(lambda o=options: jpeg(display, quality=JPEG_QUALITY, **o), runs)
        print(f"  encode the display copy, {name}: {ms:.1f} ms, {len(jpeg(display, quality=JPEG_QUALITY, **options)) / 1e3:.0f} KB")  # fmt: skip
    thumb_size = _fit(display.size, THUMB_LONG_SIDE)
    for gap in (1.0, 2.0, None):
        ms = cpu_ms(lambda g=gap: display.resize(thumb_size, R.BICUBIC, reducing_gap=g), runs)
        print(f"  thumbnail from the display copy, bicubic, reducing gap {gap}: {ms:.1f} ms")
    thumb = display.resize(thumb_size, RESAMPLE, reducing_gap=THUMB_REDUCING_GAP)
    print(f"  encode the thumbnail: {cpu_ms(lambda: jpeg(thumb, quality=JPEG_QUALITY), runs):.2f} ms")
    print(f"  phash of the thumbnail: {cpu_ms(lambda: str(imagehash.phash(thumb)), runs):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
