"""`leakyolo eval`: mAP of ONNX models through one evaluator (Ultralytics' validator, ONNX backend)."""

import sys
from typing import Optional
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file, stamp

from leakyolo.detect.bench import card_summary

SCHEMA = "leakyolo.eval/1"


def evaluate(models: list, data: str, imgsz: Optional[int] = None) -> dict:
    """mAP50, mAP50-95 and per-class AP for each ONNX file on the same val split."""
    from leakyolo.datasets import dataset_identity, resolve_data
    from leakyolo.detect.model_file import input_size, read_card
    from leakyolo.detect.session import OnnxModel
    from leakyolo.export.gates import onnx_map
    from leakyolo.base.offline import import_ultralytics

    import_ultralytics("eval")
    data_yaml = resolve_data(data)
    rows = []
    for m in map(Path, models):
        if not m.is_file():
            raise UserError(f"model {m} not found")
        session = OnnxModel(m)
        h, w = input_size(m, session.meta("imgsz"), session.inputs[0].shape, imgsz)
        if h != w:
            raise UserError(f"{m}: input {h}x{w} is not square; the evaluator runs square inputs only")
        size = h
        print(f"eval: {m.name} on {data} at {size}", file=sys.stderr)
        rows.append({"file": m.name, "path": str(m.resolve()), "sha256": sha256_file(m),
                     "card": card_summary(read_card(m)), "imgsz": size, **onnx_map(m, data_yaml, size)})
    return {"schema": SCHEMA, "kind": "eval", "data": dataset_identity(data_yaml), "evaluator":
            "ultralytics DetectionValidator on the ONNX Runtime backend, batch 1", "models": rows, **stamp()}
