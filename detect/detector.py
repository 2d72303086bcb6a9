"""`Detector("m.onnx")(frame) -> [Detection]`: preprocess, model, postprocess, with timings."""

import time
from dataclasses import asdict, dataclass

import numpy as np

from leakyolo.errors import UserError

from .postprocess import decode_end2end, decode_raw, scale_back
from .preprocess import preprocess
from .session import OnnxModel

DEFAULT_CONF = 0.25  # score threshold of `detect` and of Detector unless told otherwise


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


class Detector(OnnxModel):
    """A YOLO detector exported to ONNX (NMS-free [1, N, 6] or raw [1, 4+nc, anchors] output)."""

    def __init__(self, path, conf: float = DEFAULT_CONF, iou: float = 0.45, classes=None, imgsz=None, **session_kw):
        super().__init__(path, **session_kw)
        self.conf, self.iou = conf, iou
        self.classes = set(classes) if classes else None
        shape = self.inputs[0].shape
        if len(shape) != 4 or shape[1] not in (3, "3"):
            raise UserError(f"{self.path}: not an image detector (input shape {shape}, expected [1, 3, H, W])")
        names = self.meta("names")
        if not isinstance(names, dict):
            raise UserError(f"{self.path}: missing 'names' metadata; export the model with `leakyolo export`")
        self.names = {int(k): str(v) for k, v in names.items()}
        self.imgsz = self._input_size(imgsz, shape)
        out = self.outputs[0].shape
        if len(self.outputs) != 1 or len(out) != 3:
            raise UserError(f"{self.path}: not a YOLO detector (outputs {[o.shape for o in self.outputs]})")
        if out[2] == 6:
            self.format = "end2end"
        elif isinstance(out[1], int) and out[1] == 4 + len(self.names):
            self.format = "raw"
        else:
            raise UserError(f"{self.path}: output shape {out} is neither [1, N, 6] nor [1, 4+{len(self.names)}, anchors]")
        self.timings = {}

    def _input_size(self, imgsz, shape) -> tuple:
        """(h, w) from the argument, else the metadata, else the static input shape."""
        size = imgsz or self.meta("imgsz")
        if size is None and all(isinstance(d, int) for d in shape[2:]):
            size = shape[2:]
        if size is None:
            raise UserError(f"{self.path}: no 'imgsz' metadata and a dynamic input; pass --imgsz")
        size = (size, size) if isinstance(size, int) else tuple(size)
        fixed = shape[2:]
        if all(isinstance(d, int) for d in fixed) and tuple(fixed) != size:
            raise UserError(f"{self.path}: model input is fixed at {tuple(fixed)}, cannot run at {size}")
        return size

    def __call__(self, frame: np.ndarray) -> list:
        """Detect objects in one BGR frame."""
        t0 = time.perf_counter()
        x, gain, pad = preprocess(frame, self.imgsz)
        t1 = time.perf_counter()
        output = self.run(x)[0]
        t2 = time.perf_counter()
        if self.format == "end2end":
            boxes, scores, ids = decode_end2end(output, self.conf)
        else:
            boxes, scores, ids = decode_raw(output, self.conf, self.iou)
        boxes = scale_back(boxes, gain, pad, frame.shape[:2])
        dets = [Detection(tuple(b), float(s), int(c), self.names.get(int(c), str(c)))
                for b, s, c in zip(boxes, scores, ids) if self.classes is None or int(c) in self.classes]
        t3 = time.perf_counter()
        self.timings = {"preprocess_ms": (t1 - t0) * 1e3, "model_ms": (t2 - t1) * 1e3, "postprocess_ms": (t3 - t2) * 1e3}
        return dets
