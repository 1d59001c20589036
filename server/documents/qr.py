"""QR codes (segno) for printed documents: drawn as vectors in a PDF, and as inline SVG on a page."""

from __future__ import annotations

import segno
from markupsafe import Markup
from reportlab.lib import colors
from reportlab.platypus import Flowable

# ISO/IEC 18004 asks for a quiet zone of four modules around the symbol.
QUIET_ZONE = 4


def qr_code(text: str) -> segno.QRCode:
    # Level M survives a crease or a stain on a printed page (15% of the modules) and keeps a
    # verification address at a size a phone reads from arm's length.
    return segno.make_qr(text, error="m")


def qr_matrix(text: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The dark (True) and light modules, row by row, quiet zone included."""
    return [[bool(m) for m in row] for row in qr_code(text).matrix_iter(border=border)]


def qr_svg(text: str, label: str, scale: int = 3) -> Markup:
    """An inline <svg> (no script, no external reference) of the QR code, labelled for screen readers."""
    svg = qr_code(text).svg_inline(scale=scale, border=QUIET_ZONE, title=label, svgclass="qr", lineclass=None)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno's own SVG, the text escaped by it


class QrFlowable(Flowable):
    """A QR code `size` points square, its modules drawn as filled rectangles (crisp at any DPI)."""

    def __init__(self, text: str, size: float):
        super().__init__()
        self.text = text
        self.size = size
        self.matrix = qr_matrix(text)

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        canvas = self.canv
        n = len(self.matrix)
        module = self.size / n
        canvas.saveState()
        canvas.setFillColor(colors.black)
        # One path filled once: separate rectangles would show hairline seams in some viewers.
        path = canvas.beginPath()
        for y, row in enumerate(self.matrix):
            top = self.size - (y + 1) * module
            x = 0
            # One rectangle per run of dark modules keeps the page's drawing short.
            while x < n:
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < n and row[x]:
                    x += 1
                path.rect(start * module, top, (x - start) * module, module)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()
