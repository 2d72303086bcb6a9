"""FP32 ONNX through Ultralytics' exporter, and the PyTorch reference outputs for the parity gate."""

import copy
import shutil
from pathlib import Path

from leakyolo.base.defaults import MAX_DET


def ultralytics_export(weights: Path, dest: Path, **export_args) -> Path:
    """A file (or model folder) to dest through Ultralytics' exporter: format onnx unless export_args say another,
    batch 1, CPU, static shapes.

    Ultralytics writes beside the .pt, so the checkpoint is copied into a work folder beside dest (the export's
    staging folder) first.
    """
    from ultralytics import YOLO

    work = dest.parent / f"{dest.stem}-work"
    work.mkdir()
    local = work / weights.name
    shutil.copyfile(weights, local)
    produced = YOLO(str(local)).export(**{"format": "onnx", "batch": 1, "dynamic": False, "device": "cpu",
                                          "verbose": False, **export_args})
    Path(produced).replace(dest)
    shutil.rmtree(work)
    return dest


def export_fp32(weights: Path, imgsz: int, raw: bool, dest: Path) -> Path:
    """Export to dest: NMS-free [1, N, 6] by default, raw [1, 4+nc, anchors] with raw=True."""
    return ultralytics_export(weights, dest, imgsz=imgsz, nms=None if raw else False, simplify=True)


def torch_reference(yolo, inputs: list, raw: bool) -> list:
    """The PyTorch model's outputs for each input, prepared once the way Ultralytics' exporter does."""
    import torch
    from ultralytics.nn.modules import C2f, Detect

    model = copy.deepcopy(yolo.model).float().eval()
    model.end2end = not raw and getattr(model.model[-1], "one2one_cv2", None) is not None  # before fuse, as the exporter
    model = model.fuse(verbose=False)
    shape = inputs[0].shape
    anchors = sum(int(shape[2] / s) * int(shape[3] / s) for s in model.stride.tolist())
    for m in model.modules():
        if isinstance(m, Detect):
            m.dynamic, m.export, m.format, m.xyxy, m.shape = False, True, "onnx", False, None
            m.max_det = min(MAX_DET, anchors)
        elif isinstance(m, C2f):
            m.forward = m.forward_split
    outputs = []
    with torch.no_grad():
        for x in inputs:
            y = model(torch.from_numpy(x))
            outputs.append((y[0] if isinstance(y, (list, tuple)) else y).numpy())
    return outputs
