"""FP32 ONNX through Ultralytics' exporter, and the PyTorch reference outputs for the parity gate."""

import copy
import shutil
from pathlib import Path

import numpy as np


def export_fp32(yolo, weights: Path, imgsz: int, raw: bool, dest: Path) -> Path:
    """Export to dest: NMS-free [1, N, 6] by default, raw [1, 4+nc, anchors] with raw=True."""
    work = dest.parent / f"{dest.stem}-work"
    work.mkdir()
    local = work / weights.name  # Ultralytics writes the .onnx beside the .pt: keep it in staging
    shutil.copyfile(weights, local)
    from ultralytics import YOLO

    produced = YOLO(str(local)).export(format="onnx", imgsz=imgsz, nms=None if raw else False, simplify=True,
                                       dynamic=False, batch=1, device="cpu", verbose=False)
    Path(produced).replace(dest)
    shutil.rmtree(work)
    return dest


def torch_reference(yolo, x: np.ndarray, raw: bool) -> np.ndarray:
    """The PyTorch model's output for input x, prepared the way Ultralytics' exporter prepares it."""
    import torch
    from ultralytics.nn.modules import C2f, Detect

    model = copy.deepcopy(yolo.model).float().eval()
    model.end2end = not raw and getattr(model.model[-1], "one2one_cv2", None) is not None  # before fuse, as the exporter
    model = model.fuse(verbose=False)
    anchors = sum(int(x.shape[2] / s) * int(x.shape[3] / s) for s in model.stride.tolist())
    for m in model.modules():
        if isinstance(m, Detect):
            m.dynamic, m.export, m.format, m.xyxy, m.shape = False, True, "onnx", False, None
            m.max_det = min(300, anchors)
        elif isinstance(m, C2f):
            m.forward = m.forward_split
    with torch.no_grad():
        y = model(torch.from_numpy(x))
    return (y[0] if isinstance(y, (list, tuple)) else y).numpy()
