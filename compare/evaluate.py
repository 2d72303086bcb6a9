"""`leakyolo eval`: mAP of exported models (ONNX, OpenVINO, NCNN) through one evaluator: Ultralytics' validator,
on each file's own runtime."""

import sys
from typing import Optional
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file, stamp

from leakyolo.detect.bench import card_summary

SCHEMA = "leakyolo.eval/1"


def evaluate(models: list, data: str, imgsz: Optional[int] = None) -> dict:
    """mAP50, mAP50-95 and per-class AP for each model file on the same val split."""
    from leakyolo.datasets import dataset_identity, resolve_data
    from leakyolo.detect.model_file import input_size, read_card
    from leakyolo.detect.runtimes import model_path, open_model, runtime_of
    from leakyolo.export.gates import onnx_map
    from leakyolo.base.offline import import_ultralytics

    import_ultralytics("eval")
    data_yaml = resolve_data(data)
    rows = []
    for m in map(model_path, models):
        if not m.exists():
            raise UserError(f"model {m} not found")
        session = open_model(m)
        h, w = input_size(m, session.meta("imgsz"), session.inputs[0].shape, imgsz)
        if h != w:
            raise UserError(f"{m}: input {h}x{w} is not square; the evaluator runs square inputs only")
        size = h
        print(f"eval: {m.name} on {data} at {size}", file=sys.stderr)
        rows.append({"file": m.name, "path": str(m.resolve()), "runtime": runtime_of(m), "sha256": sha256_file(m),
                     "card": card_summary(read_card(m)), "imgsz": size, **onnx_map(m, data_yaml, size)})
    return {"schema": SCHEMA, "kind": "eval", "data": dataset_identity(data_yaml), "evaluator":
            "ultralytics DetectionValidator on each file's runtime, batch 1", "models": rows, **stamp()}
