"""What the duties' tests share: real small documents (a PDF, a DOCX, an XLSX), a duty set by the
office, an upload as a program sends it, and the services' clock set around a deadline."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from reportlab.pdfgen import canvas

from server.documents.xlsx import Column, Sheet, workbook_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(text: str = "Work plan 2026") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return out.getvalue()


def docx_bytes(text: str = "Self-report") -> bytes:
    """A minimal Word document: the parts Word itself needs, zipped."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


def xlsx_bytes() -> bytes:
    return workbook_bytes([Sheet("plan", [Column("task"), Column("month")], [["patrols", 6]])])


def in_days(days: int) -> date:
    return date.today() + timedelta(days=days)


def duty_body(**overrides: Any) -> dict[str, Any]:
    due = overrides.pop("due", in_days(20))
    body = {
        "year": due.year,
        "code": "rectification-plan",
        "title_zh": "整改方案",
        "title_en": "Rectification plan",
        "description_zh": "各单位报送整改方案。",
        "deadline": due.isoformat(),
        "units": ["sanitation-office", "muck-office", "dust-office"],
    }
    body.update(overrides)
    return body


async def create_duty(client: Any, office: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/duties", json=duty_body(**overrides), headers=office)
    assert response.status_code == 201, response.text
    return response.json()


async def upload(
    client: Any, headers: dict[str, str], duty_id: int, unit: str, data: bytes, name: str
) -> Any:
    return await client.put(
        f"/api/v1/duties/{duty_id}/answers/{unit}",
        content=data,
        params={"filename": name},
        headers={**headers, "Content-Type": "application/octet-stream"},
    )


class Clock:
    """The services' clock, set to a moment around a deadline."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now: datetime | None = None
        for module in (
            "server.duties.answers",
            "server.duties.service",
            "server.duties.pages",
            "server.duties.seed",
        ):
            monkeypatch.setattr(f"{module}.utcnow", self)

    def __call__(self) -> datetime:
        assert self.now is not None
        return self.now
