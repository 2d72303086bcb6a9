"""Model cards: a JSON file next to each ONNX model saying exactly what it is and how it was made."""

from collections import Counter
from pathlib import Path

import onnx

from leakyolo.detect.model_file import is_end2end
from leakyolo.base.provenance import sha256_file, stamp

SMOOTH_OPS = ("Sigmoid", "Softmax", "Exp", "Tanh", "Gelu", "HardSwish", "HardSigmoid", "QuickGelu", "Erf")


def op_census(model: onnx.ModelProto) -> dict:
    """Count of every op type in the graph, and of smooth (non piecewise-linear) ops."""
    ops = Counter(n.op_type for n in model.graph.node)
    return {"ops": dict(sorted(ops.items())), "smooth_ops": {k: v for k, v in sorted(ops.items()) if k in SMOOTH_OPS}}


def describe(path: Path) -> dict:
    """File facts: hash, size, opset, input/output shapes, output format, metadata."""
    model = onnx.load(str(path))
    meta = {p.key: p.value for p in model.metadata_props}
    dims = lambda v: [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]  # noqa: E731
    out_shape = dims(model.graph.output[0])
    return {
        "file": path.name,
        "sha256": sha256_file(path),
        "size_bytes": path.stat().st_size,
        "opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
        "input": {"name": model.graph.input[0].name, "shape": dims(model.graph.input[0])},
        "output": {"name": model.graph.output[0].name, "shape": out_shape,
                   "format": "end2end [1, N, 6]: x1, y1, x2, y2, score, class" if is_end2end(out_shape)
                   else "raw [1, 4+nc, anchors]: cx, cy, w, h, class scores (needs NMS)"},
        "names": meta.get("names"),
        "imgsz": meta.get("imgsz"),
        "metadata_keys": sorted(meta),
        "census": op_census(model),
    }


def card(path: Path, **sections) -> dict:
    """A full model card: file facts, the given sections (source, precision, gates...), provenance."""
    return {**describe(path), **sections, **stamp()}
