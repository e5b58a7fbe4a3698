"""MTCNN, the default face detector: facenet-pytorch's weights, run with ONNX Runtime.

MTCNN is three small networks: PNet scans an image pyramid for face candidates, RNet
filters them, ONet gives the final box, score and five landmarks. emolab runs the three
networks exported to ONNX (``emolab export-onnx``: ``models/mtcnn_{pnet,rnet,onet}.onnx``)
with the same pyramid, thresholds, non-maximum suppression and box regression as
facenet-pytorch (``facenet_pytorch/models/utils/detect_face.py``), in numpy and OpenCV, so
no PyTorch is needed at run time.

:meth:`MTCNNDetector.refine` is what makes tracking cheap: ONet alone, run on a square
around a face's previous box, re-centres the box and scores it (about a millisecond per
face, against a full pyramid's tens of milliseconds).

``backend: mtcnn-torch`` keeps facenet-pytorch's own implementation (for comparison in
``emolab bench`` and on developer installs).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import cv2
import numpy as np

from emolab.detection.base import Detection, FaceDetector
from emolab.errors import ModelError
from emolab.modelcards import ModelCard
from emolab.onnxrt import onnx_session

#: Score thresholds of PNet, RNet and ONet, and the pyramid's scale step (facenet-pytorch's defaults).
THRESHOLDS = (0.6, 0.7, 0.7)
FACTOR = 0.709


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Indices kept by greedy non-maximum suppression.

    ``union``: intersection over union with continuous areas (torchvision's ``nms``, which
    facenet-pytorch uses in its first two stages); ``min``: intersection over the smaller box
    with pixel-inclusive areas (its numpy NMS of the last stage).
    """
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    one = 1.0 if method == "min" else 0.0
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = (x2 - x1 + one) * (y2 - y1 + one)
    order = np.argsort(scores)[::-1]
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + one)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + one)
        inter = w * h
        denom = np.minimum(area[i], area[rest]) if method == "min" else area[i] + area[rest] - inter
        order = rest[inter / denom <= threshold]
    return np.asarray(keep, dtype=np.int64)


def square(boxes: np.ndarray) -> np.ndarray:
    """Boxes (n, >=4) made square around their centres (side = the longer side)."""
    out = boxes.copy()
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def regress(boxes: np.ndarray, reg: np.ndarray) -> np.ndarray:
    """Apply a network's box regression (fractions of the box's side)."""
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    out[:, 0] += reg[:, 0] * w
    out[:, 1] += reg[:, 1] * h
    out[:, 2] += reg[:, 2] * w
    out[:, 3] += reg[:, 3] * h
    return out


class AreaPyramid:
    """Resizes of one image like PyTorch's ``interpolate(mode="area")``, which MTCNN's weights were run with.

    That is adaptive average pooling: output pixel ``i`` averages input rows (columns)
    ``floor(i * n / m)`` to ``ceil((i + 1) * n / m)``. OpenCV's INTER_AREA weighs fractional
    pixels instead; the difference moves MTCNN's boxes by a few percent and flips borderline
    detections, so emolab reproduces PyTorch's rule exactly, from a summed-area table built
    once per frame (``cv2.integral``, a fraction of a millisecond) and shared by every
    pyramid level: each output pixel is four look-ups.
    """

    def __init__(self, image: np.ndarray) -> None:
        self.h, self.w = image.shape[:2]
        # Exact sums: int32 (the fastest) while a uint8 frame's total fits in it, up to about
        # 8 megapixels; float64 beyond.
        fits = image.dtype == np.uint8 and 255 * self.h * self.w < 2**31
        sat = cv2.integral(image, sdepth=cv2.CV_32S if fits else cv2.CV_64F)
        self.sat = sat.reshape(self.h + 1, self.w + 1, -1)

    @staticmethod
    def _bins(n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i = np.arange(m)
        start, end = (i * n) // m, ((i + 1) * n + m - 1) // m
        return start, end, end - start

    def resize(self, out_w: int, out_h: int) -> np.ndarray:
        """The image at ``out_w`` x ``out_h``: a float32 (out_h, out_w, channels) array."""
        y0, y1, ny = self._bins(self.h, out_h)
        x0, x1, nx = self._bins(self.w, out_w)
        top, bottom = self.sat[y0], self.sat[y1]
        sums = (bottom[:, x1] - bottom[:, x0] - top[:, x1] + top[:, x0]).astype(np.float32)
        return sums / (ny[:, None, None] * nx[None, :, None]).astype(np.float32)


@lru_cache(maxsize=512)
def _pool_matrix(n: int, m: int) -> np.ndarray:
    """(m, n) matrix of PyTorch's adaptive average pooling from ``n`` to ``m`` samples."""
    i = np.arange(m)
    start, end = (i * n) // m, ((i + 1) * n + m - 1) // m
    out = np.zeros((m, n), np.float32)
    for row, (a, b) in enumerate(zip(start, end)):
        out[row, a:b] = 1.0 / (b - a)
    return out


def area_resize(patch: np.ndarray, side: int) -> np.ndarray:
    """A (h, w, c) patch resized to (side, side, c) like ``interpolate(mode="area")`` (see :class:`AreaPyramid`)."""
    h, w = patch.shape[:2]
    rows = np.tensordot(_pool_matrix(h, side), patch.astype(np.float32), axes=(1, 0))  # (side, w, c)
    return np.tensordot(rows, _pool_matrix(w, side), axes=(1, 1)).transpose(0, 2, 1)  # (side, side, c)


def _normalize(x: np.ndarray) -> np.ndarray:
    """RGB uint8/float (..., h, w, 3) -> MTCNN's input (n, 3, h, w): ``(x - 127.5) / 128``."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        x = x[None]
    return np.ascontiguousarray(((x - 127.5) * 0.0078125).transpose(0, 3, 1, 2))


def crops(rgb: np.ndarray, boxes: np.ndarray, side: int) -> np.ndarray:
    """Square ``boxes`` cut from ``rgb`` (clipped to the frame, as MTCNN does) and resized to ``side``."""
    h, w = rgb.shape[:2]
    b = np.trunc(boxes[:, :4]).astype(np.int64)
    x1, y1 = np.maximum(b[:, 0], 1), np.maximum(b[:, 1], 1)
    x2, y2 = np.minimum(b[:, 2], w), np.minimum(b[:, 3], h)
    out = np.zeros((len(b), side, side, 3), dtype=np.float32)
    for k in range(len(b)):
        if x2[k] > x1[k] - 1 and y2[k] > y1[k] - 1:
            patch = rgb[y1[k] - 1 : y2[k], x1[k] - 1 : x2[k]]
            if patch.size:
                out[k] = area_resize(patch, side)
    return out


class MTCNNDetector(FaceDetector):
    """MTCNN's three networks with ONNX Runtime (see the module docstring)."""

    name = "mtcnn"
    can_refine = True

    def __init__(self, card: ModelCard, threshold: float = 0.6, min_face_px: int = 40, threads: int = 1) -> None:
        super().__init__(card, threshold, min_face_px)
        if card.weights_path is None:
            raise ModelError(f"model card {card.card_path} names no MTCNN network file ('file'); reinstall emolab")
        folder = card.weights_path.parent
        files = card.extra.get("files") or {n: f"mtcnn_{n}.onnx" for n in ("pnet", "rnet", "onet")}
        missing = [f for f in files.values() if not (folder / f).is_file()]
        if missing:
            raise ModelError(
                f"MTCNN's network files {', '.join(missing)} are missing in {folder}; reinstall emolab "
                "or recreate them with `emolab export-onnx` on a developer install"
            )
        self._nets = {n: onnx_session(folder / f, threads) for n, f in files.items()}
        # MTCNN's pyramid starts at min_face_size: a larger minimum means fewer, cheaper levels.
        self.min_size = max(12, int(min_face_px))

    def _run(self, net: str, x: np.ndarray) -> list[np.ndarray]:
        return self._nets[net].run(None, {"input": x})

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        boxes = self._stage_p(rgb)
        if len(boxes):
            boxes = self._stage_r(rgb, boxes)
        if not len(boxes):
            return []
        return self._keep(self._stage_o(rgb, boxes, nms_threshold=0.7))

    def refine(self, image_bgr: np.ndarray, faces: Sequence[Detection]) -> list[Detection]:
        """ONet alone on squares around ``faces`` (their previous boxes): new boxes, scores, landmarks.

        Faces ONet no longer scores above its threshold are dropped; the caller then runs a
        full :meth:`detect`.
        """
        if not faces:
            return []
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        prev = square(np.array([[*f.box, f.score] for f in faces], dtype=np.float64))
        return self._keep(self._stage_o(rgb, prev, nms_threshold=0.3))

    def _stage_p(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        scale = 12.0 / self.min_size
        side = min(h, w) * scale
        candidates = []
        pyramid = AreaPyramid(rgb)
        while side >= 12:
            reg, prob = self._run("pnet", _normalize(pyramid.resize(int(w * scale + 1), int(h * scale + 1))))
            boxes = self._grid_boxes(reg[0], prob[0, 1], scale)
            if len(boxes):
                candidates.append(boxes[nms(boxes, boxes[:, 4], 0.5)])
            scale *= FACTOR
            side *= FACTOR
        if not candidates:
            return np.zeros((0, 5))
        boxes = np.concatenate(candidates)
        boxes = boxes[nms(boxes, boxes[:, 4], 0.7)]
        w_, h_ = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        out = np.stack(
            [
                boxes[:, 0] + boxes[:, 5] * w_,
                boxes[:, 1] + boxes[:, 6] * h_,
                boxes[:, 2] + boxes[:, 7] * w_,
                boxes[:, 3] + boxes[:, 8] * h_,
                boxes[:, 4],
            ],
            axis=1,
        )
        return square(out)

    @staticmethod
    def _grid_boxes(reg: np.ndarray, prob: np.ndarray, scale: float) -> np.ndarray:
        """PNet's output map -> candidate boxes ``x1, y1, x2, y2, score, reg x4`` in frame pixels."""
        ys, xs = np.nonzero(prob >= THRESHOLDS[0])
        if not len(ys):
            return np.zeros((0, 9))
        q1x, q1y = np.floor((2 * xs + 1) / scale), np.floor((2 * ys + 1) / scale)
        q2x, q2y = np.floor((2 * xs + 12) / scale), np.floor((2 * ys + 12) / scale)
        return np.column_stack([q1x, q1y, q2x, q2y, prob[ys, xs], reg[:, ys, xs].T])

    def _stage_r(self, rgb: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        reg, prob = self._run("rnet", _normalize(crops(rgb, boxes, 24)))
        keep = prob[:, 1] > THRESHOLDS[1]
        boxes = np.column_stack([boxes[keep, :4], prob[keep, 1]])
        reg = reg[keep]
        pick = nms(boxes, boxes[:, 4], 0.7)
        return square(regress(boxes[pick], reg[pick]))

    def _stage_o(self, rgb: np.ndarray, boxes: np.ndarray, nms_threshold: float) -> list[Detection]:
        reg, points, prob = self._run("onet", _normalize(crops(rgb, boxes, 48)))
        keep = prob[:, 1] > THRESHOLDS[2]
        boxes = np.column_stack([boxes[keep, :4], prob[keep, 1]])
        reg, points = reg[keep], points[keep]
        w = boxes[:, 2] - boxes[:, 0] + 1
        h = boxes[:, 3] - boxes[:, 1] + 1
        lm = np.stack(
            [w[:, None] * points[:, :5] + boxes[:, :1] - 1, h[:, None] * points[:, 5:] + boxes[:, 1:2] - 1], axis=2
        )
        boxes = regress(boxes, reg)
        pick = nms(boxes, boxes[:, 4], nms_threshold, "min")
        return [
            Detection(
                box=tuple(float(v) for v in boxes[i, :4]), score=float(boxes[i, 4]), landmarks=lm[i].astype(np.float32)
            )
            for i in pick
        ]


class TorchMTCNNDetector(FaceDetector):
    """facenet-pytorch's own MTCNN (PyTorch): the reference the ONNX detector is checked against."""

    name = "mtcnn-torch"

    def __init__(self, card: ModelCard, threshold: float = 0.6, min_face_px: int = 40, threads: int = 1) -> None:
        super().__init__(card, threshold, min_face_px)
        try:
            import torch
            from facenet_pytorch import MTCNN
        except ImportError as exc:
            raise ModelError("the mtcnn-torch detector needs torch and facenet-pytorch (a developer install)") from exc
        torch.set_num_threads(threads)
        self._model = MTCNN(keep_all=True, device="cpu", min_face_size=max(12, int(min_face_px)), post_process=False)

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        import torch

        rgb = np.ascontiguousarray(image_bgr[:, :, ::-1])
        with torch.inference_mode():
            boxes, probs, points = self._model.detect(rgb, landmarks=True)
        if boxes is None:
            return []
        faces = [
            Detection(box=tuple(map(float, b)), score=float(p), landmarks=np.asarray(lm, np.float32))
            for b, p, lm in zip(boxes, probs, points)
        ]
        return self._keep(faces)
