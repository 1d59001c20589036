"""Documents the bureau prints and downloads: CJK PDFs, XLSX workbooks, download responses.

- fonts: the embedded CJK TrueType font (XUNCHA_PDF_FONT), FontMissing (503) without one
- pdf: paragraph styles, safe text, CJK line breaking, photos, page numbers
- qr: QR codes for a PDF (vector) and a page (inline SVG)
- dates: dates as official documents print them
- xlsx: workbooks with one typed sheet per table
- download: Content-Disposition with a UTF-8 file name, media types, no-store
"""
