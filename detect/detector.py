"""`Detector("m.onnx")(frame) -> [Detection]`: preprocess, model, postprocess, with timings. The model runs on
ONNX Runtime, OpenVINO or NCNN (detect/runtimes.py); pre- and post-processing are the same for all."""

import time
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from leakyolo.base.defaults import CONF, IOU
from leakyolo.base.errors import UserError

from .model_file import END2END, check_input, class_names, input_size, output_format
from .postprocess import decode_end2end, decode_raw, scale_back
from .preprocess import preprocess
from .runtimes import open_model

EXPECTED_FRAME = "an HxWx3 uint8 BGR image (HxW grey, HxWx1, HxWx4 BGRA and uint16 are converted)"


@dataclass
class Detection:
    """One detected object, box in source-image pixels."""

    box: tuple  # x1, y1, x2, y2
    score: float
    class_id: int
    name: str

    def to_dict(self) -> dict:
        """JSON-ready dict with rounded numbers."""
        d = asdict(self)
        d["box"] = [round(float(v), 2) for v in self.box]
        d["score"] = round(float(self.score), 4)
        return d


def as_bgr(frame) -> np.ndarray:
    """The frame as HxWx3 uint8 BGR: grey and BGRA are converted, uint16 scaled to 8 bits; ValueError otherwise."""
    if not isinstance(frame, np.ndarray) or frame.size == 0:
        got = "an empty array" if isinstance(frame, np.ndarray) else "None" if frame is None else type(frame).__name__
        raise ValueError(f"expected {EXPECTED_FRAME}; got {got}")
    if frame.dtype == np.uint16:
        frame = (frame >> 8).astype(np.uint8)
    channels = {2: 1, 3: frame.shape[-1]}.get(frame.ndim)
    if frame.dtype != np.uint8 or channels not in (1, 3, 4):
        raise ValueError(f"expected {EXPECTED_FRAME}; got shape {frame.shape} dtype {frame.dtype}")
    if channels == 1:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR) if channels == 4 else frame


class Detector:
    """A YOLO detector (NMS-free [1, N, 6] or raw [1, 4+nc, anchors] output) on its runtime."""

    def __init__(self, path, conf: float = CONF, iou: float = IOU, classes=None, imgsz=None,
                 **runtime_kw):
        for label, value in (("conf", conf), ("iou", iou)):
            if not 0 <= value <= 1:
                raise UserError(f"{label} {value}: must be between 0 and 1")
        self.model = open_model(path, **runtime_kw)
        self.path, self.run, self.meta = self.model.path, self.model.run, self.model.meta
        self.conf, self.iou = conf, iou
        check_input(self.path, self.model.inputs)
        shape = self.model.inputs[0].shape
        self.names = class_names(self.path, self.meta("names"))
        self.classes = set(classes) if classes else None
        unknown = sorted((self.classes or set()) - set(self.names))
        if unknown:
            raise UserError(f"classes {unknown} not in {self.path.name}, whose class ids are 0-{len(self.names) - 1} "
                            f"({', '.join(list(self.names.values())[:5])}{', ...' if len(self.names) > 5 else ''})")
        self.imgsz = input_size(self.path, self.meta("imgsz"), shape, imgsz)
        self.format = output_format(self.path, [o.shape for o in self.model.outputs], len(self.names))
        self.timings, self.dropped = {}, 0  # dropped: detections with NaN, empty boxes or unknown classes

    def __call__(self, frame: np.ndarray) -> list:
        """Detect objects in one BGR frame (see as_bgr for the layouts taken); ValueError for others."""
        t0 = time.perf_counter()
        frame = as_bgr(frame)
        x, gain, pad = preprocess(frame, self.imgsz)
        t1 = time.perf_counter()
        output = self.run(x)[0]
        t2 = time.perf_counter()
        if self.format == END2END:
            boxes, scores, ids = decode_end2end(output, self.conf)
        else:
            boxes, scores, ids = decode_raw(output, self.conf, self.iou)
        boxes, scores, ids = self.valid(scale_back(boxes, gain, pad, frame.shape[:2]), scores, ids)
        dets = [Detection(tuple(b), float(s), int(c), self.names.get(int(c), str(c)))
                for b, s, c in zip(boxes, scores, ids) if self.classes is None or int(c) in self.classes]
        t3 = time.perf_counter()
        self.timings = {"preprocess_ms": (t1 - t0) * 1e3, "model_ms": (t2 - t1) * 1e3, "postprocess_ms": (t3 - t2) * 1e3}
        return dets

    def valid(self, boxes: np.ndarray, scores: np.ndarray, ids: np.ndarray) -> tuple:
        """Detections with finite numbers, a non-empty box (after clipping to the frame) and a class id of the
        model's names; the others are counted in self.dropped, never output."""
        ok = (np.isfinite(boxes).all(1) & np.isfinite(scores) & (boxes[:, 2] > boxes[:, 0])
              & (boxes[:, 3] > boxes[:, 1]) & np.isin(ids, list(self.names)))
        self.dropped += int((~ok).sum())
        return boxes[ok], scores[ok], ids[ok]
