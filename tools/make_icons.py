"""Draw the app icons (run once; the PNGs are committed): python tools/make_icons.py

A white map pin with a check mark on the bureau's green. "any" icons are a rounded square;
maskable ones fill the square and keep the pin inside the central 80% safe zone, so a
launcher can cut any shape out of them.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "static" / "icons"
GREEN = (11, 93, 75, 255)
WHITE = (255, 255, 255, 255)
SCALE = 4  # drawn large, then reduced: smooth edges without an anti-aliasing library


def _pin(draw: ImageDraw.ImageDraw, cx: float, cy: float, size: float) -> None:
    """A pin whose head (a circle) and tip fit in a size x size box centred on (cx, cy)."""
    r = size * 0.34
    head_cy = cy - size * 0.5 + r + size * 0.02
    tip_y = cy + size * 0.5
    draw.ellipse((cx - r, head_cy - r, cx + r, head_cy + r), fill=WHITE)
    # The tangent-ish sides of the pin, from the head's widest points down to the tip.
    draw.polygon(
        [(cx - r * 0.86, head_cy + r * 0.5), (cx + r * 0.86, head_cy + r * 0.5), (cx, tip_y)], fill=WHITE
    )
    # The check mark inside the head.
    w = r * 0.2
    points = [
        (cx - r * 0.5, head_cy + r * 0.02),
        (cx - r * 0.12, head_cy + r * 0.4),
        (cx + r * 0.55, head_cy - r * 0.38),
    ]
    draw.line(points, fill=GREEN, width=int(w), joint="curve")
    for x, y in (points[0], points[2]):
        draw.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=GREEN)


def icon(size: int, *, maskable: bool) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=GREEN)
        pin = big * 0.56  # well inside the safe zone (a circle of 80% of the width)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=GREEN)
        pin = big * 0.7
    _pin(draw, big / 2, big / 2, pin)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        icon(size, maskable=True).save(OUT / f"maskable-{size}.png", optimize=True)
    # iOS ignores the manifest's icons and rounds the corners itself: a full square.
    icon(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    print("icons written to", OUT)


if __name__ == "__main__":
    main()
