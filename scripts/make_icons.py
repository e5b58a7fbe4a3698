"""Render emolab's application icon from resources/icons/emolab.svg (run after editing the SVG).

    QT_QPA_PLATFORM=offscreen python scripts/make_icons.py

Writes resources/icons/emolab-<size>.png (the window and the Linux launcher use them),
emolab.ico (Windows) and emolab.icns (macOS): Qt draws the SVG, Pillow packs ICO and ICNS.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int, path: Path) -> None:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(path)):
        raise SystemExit(f"cannot write {path}")


def main() -> None:
    app = QGuiApplication([])  # noqa: F841 - QPainter needs one
    renderer = QSvgRenderer(str(ICONS / "emolab.svg"))
    if not renderer.isValid():
        raise SystemExit("resources/icons/emolab.svg is not a valid SVG")
    for size in SIZES:
        render(renderer, size, ICONS / f"emolab-{size}.png")
    big = Image.open(ICONS / "emolab-512.png")
    big.save(ICONS / "emolab.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    big.save(ICONS / "emolab.icns")
    print(f"icons written to {ICONS}")


if __name__ == "__main__":
    main()
