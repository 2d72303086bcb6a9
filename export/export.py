"""`leakyolo export`: FP32 ONNX (+ INT8) with gates and model cards, published atomically."""

import sys
from pathlib import Path

from leakyolo.errors import UserError
from leakyolo.provenance import sha256_file, write_json

from .card import card
from .checkpoint import load_detector, resolve_weights
from .gates import GateError, accuracy_gate, check_onnx, onnx_map, parity_gate
from .onnx_fp32 import export_fp32, ultralytics_export
from .staging import staging as staging_folder

PARITY_IMAGES = 4
AUTO_METHODS = ("minmax", "percentile", "entropy")


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"export: {message}", file=sys.stderr, flush=True)


def source_facts(weights: Path, record: dict) -> dict:
    """Where the model came from."""
    keep = ("model", "activation", "census", "params", "gflops@640", "dataset", "seed", "epochs", "imgsz")
    return {"weights": str(weights), "weights_sha256": sha256_file(weights),
            "run": {k: record[k] for k in keep if k in record}}


def ultralytics_int8(weights: Path, imgsz: int, data: str, dest: Path) -> Path:
    """INT8 ONNX the way a user would make it with Ultralytics itself (quantize=8, data=...)."""
    return ultralytics_export(weights, dest, quantize=8, data=data, imgsz=imgsz, nms=False)


def export(weights_or_run, imgsz: int = 320, int8: bool = False, calib_data=None, calib_images: int = 300,
           calib_method: str = "auto", types: str = "u8s8", out=None, raw: bool = False, max_drop: float = 1.5,
           skip_gates: bool = False, with_ultralytics_int8: bool = False, exclude_head: bool = True,
           name=None, seed: int = 0, int8_required: bool = True) -> list:
    """Export a checkpoint; return the published ONNX paths (each with a .json model card beside it).

    Files are named NAME-IMGSZ[-raw]-{fp32,int8}.onnx, NAME defaulting to the run's model name.
    calib_method "auto" tries MinMax, then Percentile, then Entropy until the accuracy gate passes.
    An INT8 model that fails its gate is never written; with int8_required=False the FP32 model is
    still published (the pipeline uses this so one model's INT8 cannot stop a comparison).
    """
    from leakyolo.datasets import calibration_images, dataset_identity, resolve_data

    from .quantize import quantize

    weights, record = resolve_weights(weights_or_run)
    yolo = load_detector(weights, imgsz)
    model_name = record.get("model") or name or weights.stem
    data = calib_data or record.get("dataset", {}).get("yaml")
    if data is None and (int8 or not skip_gates):
        raise UserError("no dataset known for this checkpoint: pass --calib-data NAME|YAML (calibration and gates)")
    data = resolve_data(data) if data else None
    out = Path(out) if out else (weights.parent.parent / "onnx" if record else weights.parent)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{name or model_name}-{imgsz}{'-raw' if raw else ''}"
    size = (imgsz, imgsz)
    source = source_facts(weights, record)
    with staging_folder(out) as staging:
        log(f"{model_name}: FP32 ONNX at {imgsz} ({'raw' if raw else 'NMS-free end2end'} output)")
        fp32 = export_fp32(weights, imgsz, raw, staging / f"{stem}-fp32.onnx")
        check_onnx(fp32)
        cards = {}
        fp32_acc = None
        if skip_gates:
            gates = {"skipped": True}
        else:
            log("gate: FP32 parity with PyTorch")
            gates = {"checker": "passed", "parity": parity_gate(yolo, fp32, calibration_images(data, PARITY_IMAGES),
                                                                size, raw)}
            log("accuracy: FP32 ONNX on the val split")
            fp32_acc = onnx_map(fp32, data, imgsz)
        cards[fp32] = card(fp32, model=model_name, precision="fp32", source=source, gates=gates, accuracy=fp32_acc)
        if int8:
            calib = calibration_images(data, calib_images, seed)
            q = staging / f"{stem}-int8.onnx"
            methods = AUTO_METHODS if calib_method == "auto" else (calib_method,)
            attempts = []
            for i, method in enumerate(methods):
                log(f"INT8: calibrating on {len(calib)} train images ({method}, {types})")
                settings = quantize(fp32, q, calib, size, method, types, exclude_head)
                check_onnx(q)
                q_gates, q_acc = {"skipped": True}, None
                if skip_gates:
                    break
                log("accuracy: INT8 ONNX on the val split")
                q_acc = onnx_map(q, data, imgsz)
                try:
                    q_gates = {"checker": "passed", "accuracy": accuracy_gate(fp32_acc, q_acc, max_drop, q.name),
                               "calibration_attempts": attempts}
                    break
                except GateError as e:
                    attempts.append({"method": method, "mAP50-95": q_acc["mAP50-95"]})
                    if i == len(methods) - 1:
                        if int8_required:
                            raise
                        log(f"INT8 not published: {e}")
                        q = None
            if q is not None:
                cards[q] = card(q, model=model_name, precision="int8", source=source, quantization=settings,
                                calibration={**dataset_identity(data), "split": "train", "seed": seed,
                                             "preprocessing": "letterbox (leakyolo.detect.preprocess)"},
                                gates=q_gates, accuracy=q_acc)
        if with_ultralytics_int8:
            log("INT8 the Ultralytics way (quantize=8), for comparison")
            u = ultralytics_int8(weights, imgsz, data, staging / f"{stem}-int8-ultralytics.onnx")
            check_onnx(u)
            cards[u] = card(u, model=model_name, precision="int8", source=source,
                            quantization={"tool": "ultralytics export(format='onnx', quantize=8)"},
                            accuracy=None if skip_gates else onnx_map(u, data, imgsz))
        published = []
        for path, facts in cards.items():
            write_json(path.with_suffix(".json"), facts)
            path.with_suffix(".json").replace(out / f"{path.stem}.json")
            path.replace(out / path.name)
            published.append(out / path.name)
            log(f"wrote {out / path.name}")
        return published
