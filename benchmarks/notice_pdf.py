"""Size and render time of a rectification notice with four photos, as the server draws it.

    .venv/bin/python benchmarks/notice_pdf.py [--runs 20]

The photos are the pipeline's own display copies (JPEGs up to 2048 px) of four real phone photos, the
font is the one the server finds (XUNCHA_PDF_FONT or the usual places). Prints the PDF's size,
its pages, the embedded fonts, the first render (font registration included) and the median
and p95 of the rest.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))  # tests.support imports conftest as the tests do

from pypdf import PdfReader  # noqa: E402

from server.documents.fonts import cjk_font  # noqa: E402
from server.findings.notice_pdf import NoticePhoto, render_notice_pdf  # noqa: E402
from server.photos.pipeline import process_photo  # noqa: E402
from tests.support import fixture_photo  # noqa: E402
from tests.test_notice_pdf import make_notice  # noqa: E402

PHOTOS = ("gps_DSCN0010.jpg", "mobile_jolla.jpg", "mobile_HMD_Nokia_8.3_5G.jpg", "orientation_portrait_6.jpg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    photos = []
    for index, name in enumerate(PHOTOS, start=1):
        display = process_photo(fixture_photo(name), "image/jpeg").display_jpeg
        photos.append(NoticePhoto(display, f"现场照片 {index} · 2026年11月28日 09:3{index}"))
    notice = make_notice(photos=tuple(photos))

    start = time.perf_counter()
    font = cjk_font()
    pdf = render_notice_pdf(notice, font)
    first = time.perf_counter() - start
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        render_notice_pdf(notice, font)
        times.append(time.perf_counter() - start)
    times.sort()

    reader = PdfReader(io.BytesIO(pdf))
    fonts = sorted(
        {str(f.get_object()["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    )
    photo_bytes = sum(len(p.jpeg) for p in photos)
    print(f"font:              {font.path.name}#{font.index}")
    print(f"embedded fonts:    {', '.join(fonts)}")
    print(f"pages:             {len(reader.pages)}")
    print(
        f"PDF size:          {len(pdf) / 1024:.0f} KiB ({photo_bytes / 1024:.0f} KiB of it the 4 display JPEGs)"
    )
    print(f"first render:      {first * 1000:.0f} ms (font registration included)")
    print(f"render, median:    {statistics.median(times) * 1000:.0f} ms over {args.runs} runs")
    print(f"render, p95:       {times[max(0, round(0.95 * len(times)) - 1)] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
