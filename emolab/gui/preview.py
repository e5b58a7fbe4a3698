"""Camera preview: the latest analysed frame with face boxes, viewer ids and labels.

A face looking away from the screen (outside the attention cone) gets a dashed box.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from emolab.gui.i18n import emotion_name
from emolab.palette import EMOTION_COLORS


class CameraPreview(QWidget):
    """Paints the newest frame it was given, scaled to fit, with its faces on top.

    :meth:`show_frame` only stores the data; painting happens when Qt repaints, so a fast
    camera costs at most one paint per screen refresh.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._faces: list[tuple[tuple[float, float, float, float], int, str, float, bool | None]] = []
        self._message = self.tr("No camera yet")
        self.setMinimumSize(240, 135)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_message(self, text: str) -> None:
        self._image = None
        self._message = text
        self.update()

    def show_frame(self, rgb: np.ndarray, scale: float, faces: list) -> None:  # noqa: ANN401
        """Show ``rgb`` (preview pixels) with ``faces`` (FaceResults in frame pixels)."""
        h, w = rgb.shape[:2]
        # QImage does not own numpy memory: keep the array alive alongside it.
        self._rgb = np.ascontiguousarray(rgb)
        self._image = QImage(self._rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self._faces = [
            (tuple(v * scale for v in f.box), f.viewer_id, f.label, float(np.max(f.smoothed)), f.attentive)
            for f in faces
        ]
        self.update()

    def paintEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#202124"))
        if self._image is None:
            p.setPen(QColor("#bbbbbb"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
            return
        iw, ih = self._image.width(), self._image.height()
        s = min(self.width() / iw, self.height() / ih)
        ox, oy = (self.width() - iw * s) / 2, (self.height() - ih * s) / 2
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(QRectF(ox, oy, iw * s, ih * s), self._image)
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        for (x1, y1, x2, y2), vid, label, conf, attentive in self._faces:
            color = QColor(EMOTION_COLORS.get(label, "#ffffff"))
            p.setPen(QPen(color, 2, Qt.PenStyle.DashLine if attentive is False else Qt.PenStyle.SolidLine))
            rect = QRectF(ox + x1 * s, oy + y1 * s, (x2 - x1) * s, (y2 - y1) * s)
            p.drawRect(rect)
            text = self.tr("#{0} {1} {2}%").format(vid, emotion_name(label), round(conf * 100))
            if attentive is False:
                text = self.tr("{0} · looking away").format(text)
            metrics = p.fontMetrics()
            box = QRectF(
                rect.left(),
                rect.top() - metrics.height() - 2,
                metrics.horizontalAdvance(text) + 8,
                metrics.height() + 2,
            )
            if box.top() < 0:
                box.moveTop(rect.top())
            p.fillRect(box, color)
            p.setPen(QColor("white"))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
