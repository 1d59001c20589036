"""The one document-upload toolkit both a notice's answer and a duty's answer use: what a file is
comes from its bytes, each feature takes its own kinds, and a refusal says what the file looks like."""

from __future__ import annotations

import io
import zipfile

import pytest
from litestar.datastructures import UploadFile
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfReader, PdfWriter

from server.assessment.notices import NOTICE_DOCUMENTS, answer_document
from server.documents.uploads import (
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLSX,
    DocumentStore,
    NotADocument,
    check_document,
    document_response,
    sniff,
)
from server.duties.answers import DUTY_DOCUMENTS
from server.errors import TooLarge, Unsupported
from server.i18n import set_locale

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


@pytest.fixture(autouse=True)
def english():
    set_locale("en")
    yield
    set_locale("zh_CN")


def a_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def an_image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(out, kind)
    return out.getvalue()


def a_zip(parts: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def content_types(main_part: str, main_type: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/></Types>'
    )


def a_docx(main_type: str = WORD_MAIN, *, macros: bool = False) -> bytes:
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": content_types("word/document.xml", main_type),
        "word/document.xml": '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
        '2006/main"><w:body><w:p><w:r><w:t>整改报告</w:t></w:r></w:p></w:body></w:document>',
    }
    if macros:
        parts["word/vbaProject.bin"] = b"\x00" * 64
    return a_zip(parts)


def an_xlsx() -> bytes:
    book = Workbook()
    book.active.append(["task", "month"])
    book.active.append(["patrols", 6])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def an_xlsm() -> bytes:
    return a_zip(
        {
            "[Content_Types].xml": content_types("xl/workbook.xml", XLSM_MAIN),
            "xl/workbook.xml": "<workbook/>",
            "xl/vbaProject.bin": b"\x00" * 64,
        }
    )


def test_each_accepted_kind_is_told_by_its_content():
    pdf, docx, xlsx = a_pdf(), a_docx(), an_xlsx()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert sniff(pdf).media_type == PDF
    assert sniff(docx).media_type == DOCX
    assert sniff(xlsx).media_type == XLSX
    assert sniff(an_image("JPEG")).media_type == JPEG
    assert sniff(an_image("PNG")).media_type == PNG


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("content", "looks"),
    [
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "web page"),
        (b"\xef\xbb\xbf  <html><head></head></html>", "web page"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "web page"),
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "a program"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "a program"),
        (b"#!/bin/sh\nrm -rf /\n", "a program"),
        (OLE, "old-format Word or Excel"),
        (a_docx(DOCM_MAIN, macros=True), "with macros"),
        (an_xlsm(), "with macros"),
        (a_zip({"notes.txt": "hello", "evil.exe": b"MZ"}), "a zip archive, not a Word or Excel"),
        (a_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}), "zip archive"),
        (b"PK\x03\x04 not really a zip", "damaged or incomplete zip"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n", "incomplete PDF"),
        (b"", "empty"),
        (b"plain words, no document at all", "cannot be read as a document"),
    ],
)
def test_what_is_not_a_document_is_refused_saying_what_it_looks_like(content, looks):
    with pytest.raises(NotADocument) as caught:
        sniff(content)
    assert looks in caught.value.looks
    with pytest.raises(Unsupported) as refused:
        check_document(content, "answer.pdf", DUTY_DOCUMENTS, 10**6, field="file", fallback="answer")
    assert refused.value.status_code == 415
    assert looks in str(refused.value.message)
    assert "Excel (XLSX)" in str(refused.value.message)
    assert refused.value.errors[0]["field"] == "file"


def test_a_truncated_pdf_is_refused_but_the_whole_one_taken():
    pdf = a_pdf()
    with pytest.raises(NotADocument):
        sniff(pdf[: len(pdf) // 2])
    assert sniff(pdf).extension == "pdf"


def test_each_feature_takes_its_own_kinds_and_names_them():
    xlsx = an_xlsx()
    taken = check_document(xlsx, "计划.xlsx", DUTY_DOCUMENTS, 10**6, field="file", fallback="x")
    assert taken.media_type == XLSX and taken.name == "计划.xlsx"
    with pytest.raises(Unsupported) as refused:
        check_document(xlsx, "计划.xlsx", NOTICE_DOCUMENTS, 10**6, field="document", fallback="x")
    assert "Excel (XLSX) workbook" in str(refused.value.message)
    assert "Excel" not in str(refused.value.message).split("Send")[1]
    assert refused.value.errors[0]["field"] == "document"
    assert ".xlsx" in DUTY_DOCUMENTS.attribute and ".xlsx" not in NOTICE_DOCUMENTS.attribute


def test_an_oversize_document_is_refused_before_its_content_is_looked_at():
    with pytest.raises(TooLarge) as caught:
        check_document(
            b"<html>" + b"0" * 3000, "a.pdf", NOTICE_DOCUMENTS, 2048, field="document", fallback="d"
        )
    assert caught.value.status_code == 413 and caught.value.errors[0]["field"] == "document"


@pytest.mark.parametrize(
    ("sent", "content", "kept"),
    [
        ("整改报告.pdf", a_pdf(), "整改报告.pdf"),
        ("photo.pdf", an_image("JPEG"), "photo.jpg"),
        ("photo.jpeg", an_image("JPEG"), "photo.jpeg"),
        ("report.bin", a_docx(), "report.docx"),
        ("方案.2024", a_docx(), "方案.2024.docx"),
        ("..\\..\\etc/passwd.png", an_image("PNG"), "passwd.png"),
        ("a\x00b\r\n.pdf", a_pdf(), "a_b_.pdf"),
        ("", a_pdf(), "fallback.pdf"),
    ],
)
def test_the_kept_name_is_safe_and_ends_as_the_content_is(sent, content, kept):
    document = check_document(content, sent, DUTY_DOCUMENTS, 10**6, field="file", fallback="fallback")
    assert document.name == kept


async def test_the_store_keeps_each_content_once_by_its_hash_and_leaves_nothing_half_written(tmp_path):
    store = DocumentStore(tmp_path / "documents")
    document = check_document(a_pdf(), "a.pdf", NOTICE_DOCUMENTS, 10**6, field="document", fallback="d")
    await store.save(document)
    await store.save(document)
    files = [p for p in (tmp_path / "documents").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [document.sha256]
    assert await store.read(document.sha256) == document.data
    with pytest.raises(ValueError):
        store.path("../../secret_key")
    with pytest.raises(OSError):
        await store.read("0" * 64)


def test_a_stored_document_goes_back_as_an_attachment_of_its_checked_type():
    response = document_response(b"%PDF-", "整改报告.pdf", PDF, "answer-1.pdf")
    assert response.media_type == PDF
    assert response.headers["Content-Disposition"].startswith('attachment; filename="answer-1.pdf"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    odd = document_response(b"<html>", "a.html", "text/html", "a.html")
    assert odd.media_type == "application/octet-stream"


async def test_an_optional_file_not_chosen_is_none_and_an_empty_one_chosen_is_refused():
    assert await answer_document(None, 1000) is None
    assert await answer_document(UploadFile("application/pdf", "", b""), 1000) is None
    with pytest.raises(Unsupported) as refused:
        await answer_document(UploadFile("application/pdf", "空.pdf", b""), 1000)
    assert "empty" in refused.value.message
    taken = await answer_document(UploadFile("application/octet-stream", "报告", a_pdf()), 10**6)
    assert taken is not None and taken.name == "报告.pdf" and taken.media_type == PDF
