"""Ultralytics' own exports of a checkpoint: the files a YOLO26n user would make without LeakYOLO, the reports'
baselines. Each has a model card with its accuracy on the same evaluator (measured, not gated: a baseline is what
it is). INT8 calibrates on the same number of train images as ours (Ultralytics' default would be the val split,
the split it is then judged on).

| format   | precision | Ultralytics call                                       | tool inside                   |
|----------|-----------|--------------------------------------------------------|-------------------------------|
| onnx     | int8      | export(format="onnx", quantize=8)                      | ONNX Runtime static, QDQ      |
| openvino | fp32      | export(format="openvino")                              | OpenVINO's PyTorch frontend   |
| openvino | int8      | export(format="openvino", quantize=8)                  | NNCF (the [openvino-export] extra) |
| ncnn     | fp32      | export(format="ncnn")                                  | pnnx from the TorchScript trace |
"""

import importlib.util
from pathlib import Path

from leakyolo.base.provenance import sha256_file, stamp

from .card import card
from .gates import check_onnx, onnx_map
from .onnx_fp32 import ultralytics_export
from .staging import log
from .targets import SUFFIX, folder_bytes

TARGETS = {"onnx": ("int8",), "openvino": ("fp32", "int8"), "ncnn": ("fp32",)}
NEEDS = {("openvino", "int8"): ("nncf", "openvino-export")}


def targets(formats: tuple) -> list:
    """(format, precision) of every baseline for these formats; one the environment cannot make is said and left out."""
    made = []
    for fmt, precision in ((f, p) for f in formats for p in TARGETS.get(f, ())):
        module, extra = NEEDS.get((fmt, precision), (None, None))
        if module and importlib.util.find_spec(module) is None:
            log(f"Ultralytics' {fmt} {precision} left out: it needs {module} (pip install 'leakyolo[{extra}]')")
            continue
        made.append((fmt, precision))
    return made


def calibration(src, n_images: int) -> dict:
    """Ultralytics' INT8 arguments: the first n_images of the train split (its `fraction` takes the first ones)."""
    from leakyolo.datasets.validate import images_of

    total = len(images_of(src.data, "train"))
    return {"data": str(src.data), "split": "train", "fraction": min(1.0, n_images / max(total, 1))}


def folder_card(path: Path, src, fmt: str, precision: str, accuracy) -> dict:
    """The model card of an Ultralytics runtime folder (its own metadata.yaml stays as Ultralytics wrote it)."""
    shape = "raw [1, 4+nc, anchors]: cx, cy, w, h, class scores (needs NMS)" if src.raw else "end2end [1, N, 6]"
    return {"file": path.name, "sha256": sha256_file(path), "size_bytes": folder_bytes(path), "runtime": fmt,
            "imgsz": str([src.imgsz, src.imgsz]), "output": {"format": shape}, "model": src.model,
            "precision": precision, "exporter": "ultralytics", "source": src.facts, "accuracy": accuracy, **stamp()}


def baseline_cards(src, staging: Path, opts) -> dict:
    """{path: card} of Ultralytics' own files for opts.formats, at the source's size and head, in staging."""
    made = {}
    for fmt, precision in targets(opts.formats):
        path = src.file(staging, f"{precision}-ultralytics")
        if fmt != "onnx":
            path = path.with_name(path.stem + SUFFIX[fmt])
        args = calibration(src, opts.calib_images) if precision == "int8" else {}
        call = f"ultralytics export(format='{fmt}'{', quantize=8' if args else ''})"
        log(f"{call}: {path.name}, Ultralytics' own file, for comparison")
        ultralytics_export(src.weights, path, format=fmt, imgsz=src.imgsz, nms=None if src.raw else False,
                           **({"quantize": 8, **args} if args else {}))
        accuracy = None if opts.skip_gates else onnx_map(path, src.data, src.imgsz)
        facts = {"tool": call, **({"calibration": {**args, "images": opts.calib_images}} if args else {})}
        if fmt == "onnx":
            check_onnx(path)
            made[path] = card(path, model=src.model, precision=precision, source=src.facts, exporter="ultralytics",
                              quantization=facts, accuracy=accuracy)
        else:
            made[path] = {**folder_card(path, src, fmt, precision, accuracy), "quantization": facts}
    return made
