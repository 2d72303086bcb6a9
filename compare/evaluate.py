"""`leakyolo eval`: mAP of exported models (ONNX, OpenVINO, NCNN) through one evaluator: Ultralytics' validator,
on each file's own runtime."""

import sys
from typing import Optional
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file, stamp, versions

from leakyolo.detect.bench import card_summary

SCHEMA = "leakyolo.eval/1"


def reusable(previous: Optional[dict], identity: dict) -> dict:
    """{(sha256, input size): row} of an earlier eval record whose rows still hold: same schema, same data content,
    same package versions (the validator is deterministic for one file on one split); {} otherwise."""
    if not previous or previous.get("schema") != SCHEMA or previous.get("versions") != versions():
        return {}
    if previous.get("data", {}).get("content_sha256") != identity.get("content_sha256"):
        return {}
    return {(r["sha256"], r["imgsz"]): r for r in previous.get("models", [])}


def evaluate(models: list, data: str, imgsz: Optional[int] = None, previous: Optional[dict] = None) -> dict:
    """mAP50, mAP50-95 and per-class AP for each model file on the same val split. previous: an earlier eval record;
    its rows of files with the same hash and size are kept (reusable) instead of validated again."""
    from leakyolo.datasets import dataset_identity, resolve_data
    from leakyolo.detect.model_file import input_size, read_card
    from leakyolo.detect.runtimes import model_path, open_model, runtime_of
    from leakyolo.export.gates import onnx_map
    from leakyolo.base.offline import import_ultralytics

    import_ultralytics("eval")
    data_yaml = resolve_data(data)
    identity = dataset_identity(data_yaml)
    kept, rows, reused = reusable(previous, identity), [], 0
    for m in map(model_path, models):
        if not m.exists():
            raise UserError(f"model {m} not found")
        session = open_model(m)
        h, w = input_size(m, session.meta("imgsz"), session.inputs[0].shape, imgsz)
        if h != w:
            raise UserError(f"{m}: input {h}x{w} is not square; the evaluator runs square inputs only")
        size, sha = h, sha256_file(m)
        row = {"file": m.name, "path": str(m.resolve()), "runtime": runtime_of(m), "sha256": sha,
               "card": card_summary(read_card(m)), "imgsz": size}
        if (sha, size) in kept:
            rows.append({**kept[sha, size], **row})
            reused += 1
            continue
        print(f"eval: {m.name} on {data} at {size}", file=sys.stderr)
        rows.append({**row, **onnx_map(m, data_yaml, size)})
    if reused:
        print(f"eval: {reused} of {len(rows)} files kept from {previous['created']} (same files, data, versions)",
              file=sys.stderr)
    return {"schema": SCHEMA, "kind": "eval", "data": identity, "evaluator":
            "ultralytics DetectionValidator on each file's runtime, batch 1", "models": rows,
            **({"kept": {"rows": reused, "from": previous["created"]}} if reused else {}), **stamp()}
