"""Printed and downloaded documents: the notice renders the same in poppler and Ghostscript with
every font embedded, its QR code carries the verification address, workbooks keep their types,
and downloads keep their Chinese names.

poppler-utils and Ghostscript are needed here (`make system-deps` installs them); a missing tool
fails these tests, it never skips them.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
import segno
from litestar.testing import AsyncTestClient
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from pypdf.generic import ContentStream

from conftest import login
from server.app import create_app
from server.documents.download import content_disposition, download
from server.documents.fonts import FontMissing, cjk_font, find_font
from server.documents.qr import qr_svg
from server.documents.xlsx import Column, Sheet, display_width, workbook_bytes
from server.findings.notice_pdf import NO_PUBLIC_URL, NoticePhoto, render_notice_pdf
from tests.helpers_findings import assign, auth, new_finding, plain_jpeg
from tests.test_notice_pdf import display_jpeg, make_notice

TOOLS = {
    "pdftoppm": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdftotext": "poppler-utils",
    "gs": "ghostscript",
}
DPI = 150
TITLE = "整改通知书"
URL = "https://xuncha.example.gov.cn/findings/1042"


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: apt-get install {TOOLS[name]} (or run make system-deps)"
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, (args, result.stderr)
    return result


def four_photo_notice(**changes: Any) -> bytes:
    names = ("gps_DSCN0010.jpg", "mobile_jolla.jpg", "gps_DSCN0021.jpg", "orientation_portrait_6.jpg")
    photos = tuple(NoticePhoto(display_jpeg(n), f"现场照片 {i}") for i, n in enumerate(names, start=1))
    return render_notice_pdf(make_notice(photos=photos, **changes))


@pytest.fixture(scope="module")
def notice_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("notice") / "notice.pdf"
    path.write_bytes(four_photo_notice())
    return path


def word_box(pdf: Path, word: str) -> tuple[float, float, float, float]:
    """Where poppler finds `word` on page 1, in points from the top left (via the PDF's ToUnicode)."""
    html = run(tool("pdftotext"), "-f", "1", "-l", "1", "-bbox", str(pdf), "-").stdout
    for match in re.finditer(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html
    ):
        if match.group(5) == word:
            x0, y0, x1, y1 = (float(v) for v in match.groups()[:4])
            return x0, y0, x1, y1
    raise AssertionError(f"{word} is not on page 1 as text: {html[:2000]}")


def render_pdftoppm(pdf: Path, out: Path) -> Image.Image:
    run(
        tool("pdftoppm"),
        "-f",
        "1",
        "-l",
        "1",
        "-r",
        str(DPI),
        "-png",
        "-singlefile",
        str(pdf),
        str(out.with_suffix("")),
    )
    return Image.open(out.with_suffix(".png")).convert("L")


def render_ghostscript(pdf: Path, out: Path) -> Image.Image:
    result = run(
        tool("gs"), "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", f"-r{DPI}",
        "-dFirstPage=1", "-dLastPage=1", f"-sOutputFile={out}", str(pdf),
    )  # fmt: skip
    # Ghostscript substitutes a font it cannot find, and says so; an embedded font needs nothing.
    assert "substitut" not in result.stderr.lower() and "can't find" not in result.stderr.lower(), (
        result.stderr
    )
    return Image.open(out).convert("L")


def dark(image: Image.Image) -> int:
    return sum(image.convert("L").histogram()[:128])


def dark_per_glyph(page: Image.Image, box: tuple[float, float, float, float], count: int) -> list[int]:
    """Dark pixels in each of `count` equal slices of the box (one glyph each in CJK text)."""
    scale = DPI / 72
    x0, y0, x1, y1 = (round(v * scale) for v in box)
    crop = page.crop((x0, y0, x1, y1))
    step = crop.width / count
    slices = [crop.crop((round(i * step), 0, round((i + 1) * step), crop.height)) for i in range(count)]
    return [dark(s) for s in slices]


def reference_per_glyph(text: str, size_pt: float) -> list[int]:
    """The same glyphs drawn by FreeType from the same font file: what the title must look like."""
    font = cjk_font()
    face = ImageFont.truetype(str(font.path), size=round(size_pt * DPI / 72), index=font.index)
    counts = []
    for char in text:
        canvas = Image.new("L", (200, 200), 255)
        ImageDraw.Draw(canvas).text((20, 20), char, font=face, fill=0)
        counts.append(dark(canvas))
    return counts


@pytest.mark.parametrize("renderer", [render_pdftoppm, render_ghostscript], ids=["pdftoppm", "ghostscript"])
def test_the_notice_title_is_drawn_in_every_renderer(notice_file: Path, tmp_path: Path, renderer):
    page = renderer(notice_file, tmp_path / "page.png")
    a4 = (595.28 * DPI / 72, 841.89 * DPI / 72)  # A4 at 150 dpi, give or take rounding
    assert all(abs(got - want) <= 1 for got, want in zip(page.size, a4, strict=True)), page.size
    box = word_box(notice_file, TITLE)
    drawn = dark_per_glyph(page, box, len(TITLE))
    expected = reference_per_glyph(TITLE, 24)
    # Ink where each character of the title is, as much as the embedded font's own glyph has:
    # an unembedded font gives nothing (Ghostscript), empty boxes (poppler without CJK fonts) or
    # whatever face the viewer substitutes (40-60% off on some glyphs, measured).
    for char, got, want in zip(TITLE, drawn, expected, strict=True):
        assert 0.8 * want <= got <= 1.2 * want, (char, drawn, expected)
    # The glyphs differ from one another as the real ones do (整 is denser than 书), unlike boxes.
    assert drawn.index(max(drawn)) == expected.index(max(expected)), (drawn, expected)
    assert drawn.index(min(drawn)) == expected.index(min(expected)), (drawn, expected)
    # A blank band of the page stays blank: the count above is ink, not a grey page.
    scale = DPI / 72
    margin = page.crop((0, round(5 * scale), page.width, round(40 * scale)))
    assert dark(margin) == 0


def test_every_font_in_the_notice_is_embedded(notice_file: Path):
    listing = run(tool("pdffonts"), str(notice_file)).stdout.splitlines()
    header, rows = listing[0], listing[2:]
    assert rows, listing
    emb = header.index("emb")
    for row in rows:
        # Font names hold no spaces, but types do ("Type 1"): read the columns by position.
        assert row[emb : emb + 3].strip() == "yes", f"not embedded: {row}"


def test_the_pdf_qr_code_encodes_the_verification_address():
    reader = PdfReader(io.BytesIO(render_notice_pdf(make_notice(verify_url=URL))))
    page = reader.pages[-1]
    rects = [
        tuple(float(v) for v in operands)
        for operands, op in ContentStream(page.get_contents(), reader).operations
        if op == b"re"
    ]
    modules = segno.make_qr(URL, error="m").symbol_size(border=0)[0]
    symbol = [[bool(m) for m in row] for row in segno.make_qr(URL, error="m").matrix_iter(border=0)]
    # The QR modules are the page's only rectangles of their height; rebuild the symbol from them.
    heights = [round(h, 3) for *_, h in rects]
    unit = max(set(heights), key=heights.count)
    dark = [r for r in rects if round(r[3], 3) == unit]
    left = min(x for x, *_ in dark)
    top = max(y + h for _, y, _, h in dark)
    width = (max(x + w for x, _, w, _ in dark) - left) / unit
    assert round(width) == modules
    drawn = [[False] * modules for _ in range(modules)]
    for x, y, w, h in dark:
        row = round((top - y - h) / unit)
        for col in range(round((x - left) / unit), round((x + w - left) / unit)):
            drawn[row][col] = True
    assert drawn == symbol
    assert URL in "".join(p.extract_text() for p in reader.pages)


def svg_modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's inline SVG path ("M4 4.5h7m4 0h1..."), quiet zone included."""
    size = int(re.search(r'width="(\d+)"', svg).group(1)) // 3  # drawn at scale 3
    path = re.search(r' d="([^"]+)"', svg).group(1)
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for cmd, args in re.findall(r"([MmHh])([-\d. ]+)", path):
        numbers = [float(v) for v in args.split()]
        if cmd == "M":
            x, y = numbers
        elif cmd == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:  # h: a horizontal run of dark modules on the row the stroke is centred in
            for col in range(round(x), round(x + numbers[0])):
                grid[int(y)][col] = True
            x += numbers[0]
    return grid


def test_the_page_qr_svg_encodes_the_verification_address():
    svg = str(qr_svg(URL, "核验二维码"))
    assert svg.startswith("<svg") and "<script" not in svg and "href" not in svg
    assert "<title>核验二维码</title>" in svg and 'role="img"' in svg
    expected = [[bool(m) for m in row] for row in segno.make_qr(URL, error="m").matrix_iter(border=4)]
    assert svg_modules(svg) == expected


def test_a_notice_without_a_public_address_says_so():
    reader = PdfReader(io.BytesIO(render_notice_pdf(make_notice(verify_url=None))))
    text = re.sub(r"\s", "", "".join(p.extract_text() for p in reader.pages))
    assert re.sub(r"\s", "", NO_PUBLIC_URL) in text
    assert "核验地址：" not in text and "/findings/" not in text


def test_four_photos_render_and_stay_small(notice_file: Path):
    reader = PdfReader(str(notice_file))
    images = [
        x.get_object()
        for p in reader.pages
        for x in p["/Resources"].get("/XObject", {}).values()
        if x.get_object()["/Subtype"] == "/Image"
    ]
    assert len(images) == 4
    # Display copies pass through as JPEG and the font is a subset, not the 20 MB collection.
    assert notice_file.stat().st_size < 2_000_000


# --- the font ----------------------------------------------------------------------------


def test_the_font_setting_wins_and_a_missing_one_is_named(tmp_path: Path):
    default = cjk_font()
    assert find_font(f"{default.path}#{default.index}") == (default.path, default.index)
    with pytest.raises(FontMissing) as missing:
        find_font(str(tmp_path / "nowhere.ttf"))
    assert missing.value.status_code == 503
    assert "nowhere.ttf" in missing.value.message and "XUNCHA_PDF_FONT" in missing.value.message
    with pytest.raises(FontMissing) as none:
        find_font("", candidates=(str(tmp_path / "a.ttc"), str(tmp_path / "b.ttf")))
    assert "fonts-arphic-uming" in none.value.message


def test_a_file_that_is_no_truetype_font_is_refused_clearly(tmp_path: Path):
    fake = tmp_path / "photo.ttf"
    fake.write_bytes(plain_jpeg())
    with pytest.raises(FontMissing) as refused:
        cjk_font(str(fake))
    assert "photo.ttf" in refused.value.message and "TrueType" in refused.value.message


def test_characters_the_font_lacks_print_as_the_missing_mark():
    font = cjk_font()
    assert font.printable("整改") == "整改"
    lacking = next(chr(c) for c in range(0x0530, 0x0590) if c not in font.covered)  # Armenian
    assert font.printable(f"整{lacking}改") == "整〓改"


# --- the notice through the server ---------------------------------------------------------


async def assigned_finding(client: AsyncTestClient[Any]) -> tuple[int, str]:
    finding = await new_finding(client, photos=[plain_jpeg()])
    number = (await assign(client, finding)).json()["notice_number"]
    return finding, number


async def test_the_notice_carries_the_full_address_and_a_qr_code(settings):
    public = settings.with_(public_url="https://xuncha.example.gov.cn")
    async with AsyncTestClient(app=create_app(public), base_url="http://intranet-host.local") as client:
        finding, number = await assigned_finding(client)
        address = f"https://xuncha.example.gov.cn/findings/{finding}"
        response = await client.get(
            f"/api/v1/findings/{finding}/notice.pdf", headers=await auth(client, "lead")
        )
        assert response.status_code == 200
        text = re.sub(
            r"\s", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        )
        assert address in text and "intranet-host" not in text
        # The download keeps its Chinese name (RFC 5987), with an ASCII stand-in, and is not cached.
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('inline; filename="notice-')
        encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
        assert unquote(encoded) == f"整改通知书{number}.pdf"
        assert response.headers["cache-control"] == "private, no-store"

        await login(client, "lead")
        page = (await client.get(f"/findings/{finding}/notice")).text
        assert f"核验地址：{address}" in page
        svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
        expected = [[bool(m) for m in row] for row in segno.make_qr(address, error="m").matrix_iter(border=4)]
        assert svg_modules(svg) == expected


async def test_without_a_public_address_the_notice_page_says_so(client):
    finding, _number = await assigned_finding(client)
    await login(client, "lead")
    page = (await client.get(f"/findings/{finding}/notice")).text
    assert NO_PUBLIC_URL in page
    assert "<svg" not in page.split('class="notice"', 1)[1]
    assert "testserver.local" not in page.split('class="notice"', 1)[1]


async def test_without_a_font_the_pdf_route_answers_503_with_what_to_do(settings, tmp_path: Path):
    broken = settings.with_(pdf_font=str(tmp_path / "missing-font.ttc"))
    async with AsyncTestClient(app=create_app(broken), base_url="http://testserver.local") as client:
        finding, _number = await assigned_finding(client)
        response = await client.get(
            f"/api/v1/findings/{finding}/notice.pdf", headers=await auth(client, "lead")
        )
        assert response.status_code == 503
        body = response.json()
        assert body["error"] == "pdf_font_missing"
        assert "missing-font.ttc" in body["message"] and "XUNCHA_PDF_FONT" in body["message"]
        assert not response.content.startswith(b"%PDF")
        # Access is still judged first: someone who may not see the finding learns nothing.
        other = await client.get(
            f"/api/v1/findings/{finding}/notice.pdf", headers=await auth(client, "lead-muck")
        )
        assert other.status_code == 404


# --- workbooks ---------------------------------------------------------------------------


def test_a_workbook_keeps_numbers_dates_and_chinese_text_typed():
    aware = datetime(2026, 11, 28, 1, 31, tzinfo=UTC)  # 09:31 in Beijing
    sheets = [
        Sheet(
            "整改情况",
            [
                Column("责任单位"),
                Column("问题数"),
                Column("整改率", number_format="0.0%"),
                "发现时间",
                "期限",
                "已结案",
            ],
            [
                ["十堰市环境卫生管理处", 12, 0.75, aware, date(2026, 12, 5), True],
                ["张湾区城管执法局", 3, Decimal("0.5"), datetime(2026, 11, 29, 8, 0), None, False],
                ["=SUM(B2:B3)", -1, float("nan"), "+86 138", date(2026, 1, 1), False],
            ],
        ),
        Sheet("整改情况", ["时间"], [[time(9, 30)]]),  # a second sheet of the same name
        Sheet("a/b:c*d?[e]" + "长" * 40, ["x"], []),
    ]
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(sheets)))
    assert book.sheetnames[:2] == ["整改情况", "整改情况 (2)"]
    assert len(book.sheetnames[2]) <= 31 and not set("/:*?[]") & set(book.sheetnames[2])

    ws = book["整改情况"]
    assert [c.value for c in ws[1]] == ["责任单位", "问题数", "整改率", "发现时间", "期限", "已结案"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F1"

    unit, count, rate, found, deadline, closed = ws[2]
    assert unit.value == "十堰市环境卫生管理处" and unit.data_type == "s"
    assert count.value == 12 and count.data_type == "n"
    assert rate.value == 0.75 and rate.number_format == "0.0%"
    assert found.is_date and found.value == datetime(2026, 11, 28, 9, 31)  # Beijing time, no zone
    assert found.number_format == "yyyy-mm-dd hh:mm"
    assert (
        deadline.is_date
        and deadline.value == datetime(2026, 12, 5)
        and deadline.number_format == "yyyy-mm-dd"
    )
    assert closed.value is True and closed.data_type == "b"

    row3 = ws[3]
    assert row3[2].value == 0.5 and row3[2].data_type == "n"
    assert row3[4].value is None
    formula, negative, nan, phone, *_ = ws[4]
    # Typed text stays text: a formula-looking cell is never evaluated.
    assert formula.value == "=SUM(B2:B3)" and formula.data_type == "s"
    assert negative.value == -1
    assert nan.value is None  # Excel has no NaN
    assert phone.value == "+86 138" and phone.data_type == "s"

    # Widths fit the Chinese header and values (two units per character), not the default 13.
    assert ws.column_dimensions["A"].width >= display_width("十堰市环境卫生管理处")
    assert ws.column_dimensions["B"].width < ws.column_dimensions["A"].width
    assert book["整改情况 (2)"]["A2"].value == time(9, 30)


def test_a_workbook_streams_many_rows_and_strips_illegal_characters():
    rows = ([i, f"第{i}行\x01", datetime(2026, 1, 1) + timedelta(hours=i)] for i in range(5000))
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes([Sheet("明细", ["序号", "说明", "时间"], rows)])))
    ws = book["明细"]
    assert ws.max_row == 5001
    assert ws["A5001"].value == 4999 and ws["B5001"].value == "第4999行"
    assert ws["C5001"].value == datetime(2026, 1, 1) + timedelta(hours=4999)
    with pytest.raises(ValueError):
        workbook_bytes([])


def test_local_times_can_follow_another_zone():
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    book = openpyxl.load_workbook(
        io.BytesIO(workbook_bytes([Sheet("t", ["t"], [[moment]])], zone=timezone(timedelta(hours=-5))))
    )
    assert book["t"]["A2"].value == datetime(2026, 6, 1, 7, 0)


# --- downloads ---------------------------------------------------------------------------


def test_content_disposition_carries_a_chinese_name_safely():
    header = content_disposition("2026年11月 巡查通报.xlsx")
    assert header.startswith('attachment; filename="')
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert fallback.isascii() and fallback.endswith(".xlsx")
    assert unquote(re.search(r"filename\*=UTF-8''(\S+)$", header).group(1)) == "2026年11月 巡查通报.xlsx"
    # Nothing that could end the header, climb a folder or quote its way out survives.
    sneaky = content_disposition('..\\../通报"\r\nX-Evil: 1.pdf', ascii_name="report.pdf")
    assert (
        "\r" not in sneaky
        and "\n" not in sneaky
        and "/" not in unquote(sneaky)
        and "\\" not in unquote(sneaky)
    )
    assert 'filename="report.pdf"' in sneaky


def test_download_sets_type_and_caching():
    private = download(b"x", "通报.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert private.headers["Cache-Control"] == "private, no-store"
    assert private.headers["X-Content-Type-Options"] == "nosniff"
    assert private.media_type.endswith("spreadsheetml.sheet")
    public = download(b"x", "bulletin.pdf", "application/pdf", private=False, inline=True)
    assert "no-store" not in public.headers["Cache-Control"]
    assert public.headers["Content-Disposition"].startswith('inline; filename="bulletin.pdf"')
