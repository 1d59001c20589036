"""The rectification notice PDF: real, extractable Chinese text, photos, escaping, long notes."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

from PIL import Image, ImageFile
from pypdf import PdfReader

from server.findings.notice_pdf import NoticeData, NoticePhoto, format_datetime, render_notice_pdf
from tests.support import fixture_photo

CLOSING_MARKS = "，。、；：！？）》”"


def display_jpeg(name: str) -> bytes:
    # The server hands the renderer display-size JPEGs; shrinking here also keeps the test fast.
    with Image.open(io.BytesIO(fixture_photo(name))) as image:
        image.thumbnail((1200, 1200))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def make_notice(**changes) -> NoticeData:
    notice = NoticeData(
        number="十城管整改〔2026〕第0042号",
        issuer="十堰市城市管理综合执法局",
        recipient_unit="十堰市环境卫生管理处",
        campaign_name="环境卫生专项整治",
        lead_name="王建国",
        finding_title="垃圾桶满溢未及时清运",
        severity="较重",
        finding_note="人民北路与北京路交叉口东侧3个垃圾桶满溢，周边地面有散落垃圾。\n现场询问保洁员，称清运车辆当日未到。",
        location="人民北路（北纬32.6293°，东经110.7981°）",
        found_at=datetime(2026, 11, 28, 9, 31),
        issued_at=datetime(2026, 11, 28, 15, 0),
        deadline=datetime(2026, 12, 5, 18, 0),
        measures="一是落实主次干道深度保洁作业标准，垃圾桶满溢率控制在5%以内。\n二是加密重点路段垃圾清运频次，做到日产日清。",
        requirements="请于整改期限前完成整改，并通过巡查系统提交整改后照片。逾期未整改的，将予以通报。",
        verify_url="https://xuncha.example.gov.cn/notices/verify/7f3a9c2e",
    )
    return replace(notice, **changes)


def read(pdf: bytes) -> tuple[PdfReader, str]:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def image_xobjects(reader: PdfReader) -> list:
    found = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        found += [x.get_object() for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]
    return found


def fonts(reader: PdfReader) -> dict[str, object]:
    found = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            found[font["/BaseFont"]] = font
    return found


def assert_fonts_embedded(reader: PdfReader) -> None:
    found = fonts(reader)
    assert found
    for name, font in found.items():
        assert re.fullmatch(r"/[A-Z]{6}\+.+", name), name  # a subset, by the PDF's naming rule
        assert font["/Subtype"] == "/TrueType", name
        assert "/FontFile2" in font["/FontDescriptor"], name
        assert "/ToUnicode" in font, name


def test_notice_with_photos_is_real_chinese_text():
    photos = (
        NoticePhoto(display_jpeg("gps_DSCN0010.jpg"), "现场照片 1 · 2026-11-28 09:31"),
        NoticePhoto(display_jpeg("mobile_jolla.jpg"), "现场照片 2 · 2026-11-28 09:32"),
    )
    notice = make_notice(photos=photos)
    reader, text = read(render_notice_pdf(notice))

    for expected in (
        "整改通知书",
        "十城管整改〔2026〕第0042号",
        "十堰市环境卫生管理处：",
        "垃圾桶满溢未及时清运",
        "2026年12月5日 18:00",  # the deadline, as printed in the body and the table
        "做到日产日清",
        "通过巡查系统提交整改后照片",
        "现场照片 1 · 2026-11-28 09:31",
        "王建国",
        "2026年11月28日",
        "https://xuncha.example.gov.cn/notices/verify/7f3a9c2e",
    ):
        assert expected in text, expected
    assert "照片无法显示" not in text
    # The signature block closes the notice: issuer, then the issue date, at the end.
    assert text.rindex("十堰市城市管理综合执法局") > text.rindex("现场照片 2")

    # Both photos are embedded as images, the JPEGs passed through untouched.
    images = image_xobjects(reader)
    assert len(images) == 2
    assert all("/DCTDecode" in str(image["/Filter"]) for image in images)
    assert sorted(int(image["/Width"]) for image in images) == [640, 1200]

    # Text is text, in glyphs the file carries: every font is an embedded TrueType subset with a
    # ToUnicode map, nothing left to the reader's own fonts.
    assert_fonts_embedded(reader)

    assert len(reader.pages) >= 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait
    assert reader.metadata.title == "整改通知书 十城管整改〔2026〕第0042号"
    assert reader.metadata.author == "十堰市城市管理综合执法局"


def test_markup_in_user_text_is_printed_literally():
    nasty = "<script>alert(1)</script> & <b>x</b>"
    notice = make_notice(
        finding_note=nasty,
        finding_title="井盖<缺失> & 破损",
        location="A&B路口 <东侧>",
        photos=(NoticePhoto(b"not a jpeg", "说明 <i>斜体</i> & 更多"),),
    )
    _, text = read(render_notice_pdf(notice))
    assert "<script>alert(1)</script> & <b>x</b>" in text
    assert "井盖<缺失> & 破损" in text
    assert "A&B路口 <东侧>" in text
    assert "说明 <i>斜体</i> & 更多" in text
    assert "&amp;" not in text and "&lt;" not in text


def test_long_note_flows_onto_more_pages_and_wraps_chinese():
    sentence = "现场发现沿街商户占道经营，垃圾桶周边堆放杂物，影响市容环境；"
    note = (sentence * (5000 // len(sentence) + 1))[:4999] + "。"
    assert len(note) == 5000
    reader, text = read(render_notice_pdf(make_notice(finding_note=note)))

    assert len(reader.pages) >= 2
    # Nothing lost at line or page breaks, once the first-line indents and page numbers are set aside.
    flat = re.sub(r"—\s*\d+\s*—|\s", "", text)
    assert note in flat
    # The end of the notice still made it out after the long note.
    assert "十堰市城市管理综合执法局" in reader.pages[-1].extract_text()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert len(lines) > 100  # really wrapped, though the note has no spaces
    # Chinese closing punctuation never opens a line (ReportLab's own rules only know Japanese).
    assert not [line for line in lines if line[0] in CLOSING_MARKS]


def test_undecodable_photo_becomes_a_placeholder(monkeypatch):
    # Judge truncation on its own, whatever another module set Pillow to tolerate.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    good = display_jpeg("gps_DSCN0010.jpg")
    photos = (
        NoticePhoto(b"\xff\xd8\xff\xe0 definitely not a photo", "现场照片 1"),
        NoticePhoto(good[: len(good) // 3], "现场照片 2"),
        NoticePhoto(good, "现场照片 3"),
    )
    reader, text = read(render_notice_pdf(make_notice(photos=photos)))
    assert text.count("照片无法显示") == 2
    assert "现场照片 1" in text and "现场照片 2" in text and "现场照片 3" in text
    assert len(image_xobjects(reader)) == 1


def test_only_four_photos_are_printed():
    photo = display_jpeg("gps_DSCN0010.jpg")
    photos = tuple(NoticePhoto(photo, f"现场照片 {i}") for i in range(1, 7))
    reader, text = read(render_notice_pdf(make_notice(photos=photos)))
    assert "现场照片 4" in text and "现场照片 5" not in text
    assert "另有2张照片" in text
    # ReportLab stores identical image bytes once, so count placements instead of objects.
    assert text.count("现场照片 ") == 4


def test_characters_beyond_the_font_are_marked_not_dropped_silently():
    _, text = read(render_notice_pdf(make_notice(finding_note="现场有人拍照😀后离开\x00。")))
    assert "现场有人拍照〓后离开。" in text


def test_aware_times_are_printed_in_beijing_time():
    assert format_datetime(datetime(2026, 12, 5, 10, 0, tzinfo=UTC)) == "2026年12月5日 18:00"
    assert format_datetime(datetime(2026, 12, 5, 18, 0)) == "2026年12月5日 18:00"
    _, text = read(render_notice_pdf(make_notice(deadline=datetime(2026, 12, 5, 16, 30, tzinfo=UTC))))
    assert "2026年12月6日 00:30" in text


def test_concurrent_renders_in_worker_threads_stay_separate():
    numbers = [f"十城管整改〔2026〕第{i:04d}号" for i in range(1, 7)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(lambda n: render_notice_pdf(make_notice(number=n)), numbers))
    for number, pdf in zip(numbers, pdfs, strict=True):
        reader, text = read(pdf)
        assert number in text
        assert_fonts_embedded(reader)
