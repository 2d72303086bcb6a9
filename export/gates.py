"""Export gates: ONNX validity, FP32 parity with PyTorch, INT8 accuracy against FP32."""

import tempfile
from pathlib import Path

import numpy as np

from leakyolo.detect.preprocess import preprocess, read_image
from leakyolo.detect.session import OnnxModel
from leakyolo.base.errors import UserError

# FP32 ONNX vs PyTorch on the same letterboxed input, model-input pixels / score units. Graph
# optimisations (Conv+BN folding, onnxslim) reorder float sums: observed differences are ~1e-4.
BOX_TOL_PX = 0.05
SCORE_TOL = 1e-3
PARITY_TOP = 50  # end2end rows compared: the top-scoring detections


class GateError(UserError):
    """An export gate failed: nothing is written."""


def check_onnx(path: Path) -> None:
    """onnx.checker on the file."""
    import onnx

    try:
        onnx.checker.check_model(str(path), full_check=True)
    except Exception as e:  # checker raises ValidationError and friends
        raise GateError(f"{path.name}: onnx.checker failed ({str(e).splitlines()[0][:160]})") from None


def sample_inputs(images: list, size: tuple) -> list:
    """Letterboxed tensors of sample images."""
    return [preprocess(read_image(p), size)[0] for p in images]


def compare_outputs(ref: np.ndarray, got: np.ndarray, raw: bool, min_score: float = 0.0) -> dict:
    """Max box and score differences; raw outputs element by element.

    End2end: got's PARITY_TOP best rows scoring at least min_score (their count: `rows`), each
    matched to ref's row of the same class with the nearest box (ties may reorder).
    """
    if raw:
        return {"max_box_diff_px": float(np.abs(ref[:, :4] - got[:, :4]).max()),
                "max_score_diff": float(np.abs(ref[:, 4:] - got[:, 4:]).max())}
    ref, got = ref[0], got[0]
    top = got[np.argsort(-got[:, 4])[:PARITY_TOP]]
    rows = top[top[:, 4] >= min_score]
    box_diff = score_diff = 0.0
    for row in rows:
        same = ref[ref[:, 5] == row[5]]
        if not len(same):
            return {"max_box_diff_px": float("inf"), "max_score_diff": float("inf"), "rows": len(rows)}
        best = same[np.abs(same[:, :4] - row[:4]).max(1).argmin()]
        box_diff = max(box_diff, float(np.abs(best[:4] - row[:4]).max()))
        score_diff = max(score_diff, float(abs(best[4] - row[4])))
    return {"max_box_diff_px": box_diff, "max_score_diff": score_diff, "rows": len(rows)}


def parity_gate(yolo, onnx_path: Path, images: list, size: tuple, raw: bool) -> dict:
    """FP32 ONNX must match PyTorch within BOX_TOL_PX / SCORE_TOL on the sample images."""
    from .onnx_fp32 import torch_reference

    session = OnnxModel(onnx_path)
    inputs = sample_inputs(images, size)
    worst = {"max_box_diff_px": 0.0, "max_score_diff": 0.0}
    for x, ref in zip(inputs, torch_reference(yolo, inputs, raw)):
        diff = compare_outputs(ref, session.run(x)[0], raw)
        worst = {k: max(worst[k], diff[k]) for k in worst}
    result = {**worst, "images": len(images), "box_tol_px": BOX_TOL_PX, "score_tol": SCORE_TOL}
    if worst["max_box_diff_px"] > BOX_TOL_PX or worst["max_score_diff"] > SCORE_TOL:
        raise GateError(f"FP32 parity failed for {onnx_path.name}: boxes differ by {worst['max_box_diff_px']:.4g} px "
                        f"(tol {BOX_TOL_PX}), scores by {worst['max_score_diff']:.4g} (tol {SCORE_TOL})")
    return result


def onnx_map(onnx_path: Path, data: str, imgsz: int) -> dict:
    """mAP50 / mAP50-95 of an ONNX model on the val split, through Ultralytics' validator."""
    from ultralytics import YOLO

    with tempfile.TemporaryDirectory() as tmp:
        metrics = YOLO(str(onnx_path), task="detect").val(data=data, imgsz=imgsz, batch=1, device="cpu", plots=False,
                                                          verbose=False, workers=0, project=tmp, name="val")
    per_class = {metrics.names[int(c)]: round(float(ap), 5) for c, ap in zip(metrics.box.ap_class_index, metrics.box.ap)}
    return {"mAP50": round(float(metrics.box.map50), 5), "mAP50-95": round(float(metrics.box.map), 5),
            "per_class_mAP50-95": per_class, "data": str(data)}


def accuracy_gate(fp32: dict, int8: dict, max_drop_points: float, name: str) -> dict:
    """INT8 mAP50-95 must be within max_drop_points (percentage points) of FP32's."""
    drop = (fp32["mAP50-95"] - int8["mAP50-95"]) * 100
    result = {"fp32_mAP50-95": fp32["mAP50-95"], "int8_mAP50-95": int8["mAP50-95"], "drop_points": round(drop, 3),
              "max_drop_points": max_drop_points}
    if drop > max_drop_points:
        raise GateError(f"INT8 accuracy gate failed for {name}: mAP50-95 {int8['mAP50-95']:.4f} vs FP32 "
                        f"{fp32['mAP50-95']:.4f} (drop {drop:.2f} > {max_drop_points} points); nothing written")
    return result
