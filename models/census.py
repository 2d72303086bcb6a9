"""What a model is made of: activation census, parameters and GFLOPs (fused, as deployed)."""

import copy
from collections import Counter

# Module types that matter for INT8 / edge cost. Attention-like modules compute softmax inside.
WATCHED = ("LeakyReLU", "ReLU", "SiLU", "Sigmoid", "Softmax", "GELU", "Hardswish", "Mish", "Tanh",
           "Attention", "PSA", "C2PSA", "PSABlock", "AAttn", "ABlock")
NON_PIECEWISE_LINEAR = ("SiLU", "Sigmoid", "Softmax", "GELU", "Hardswish", "Mish", "Tanh", "Attention", "AAttn")


def census(model) -> dict:
    """Count watched module types, in total and outside the detection head.

    Uses named_modules(remove_duplicate=False): Ultralytics shares one activation instance
    (Conv.default_act) across all layers, so each use must be counted.
    """
    layers = model.model  # nn.Sequential of the DetectionModel
    head_prefix = f"model.{len(layers) - 1}."
    total, outside = Counter(), Counter()
    for name, module in model.named_modules(remove_duplicate=False):
        kind = type(module).__name__
        if kind in WATCHED:
            total[kind] += 1
            if not name.startswith(head_prefix):
                outside[kind] += 1
    return {"total": dict(sorted(total.items())), "outside_head": dict(sorted(outside.items()))}


def params_and_gflops(model, imgsz_list=(640,)) -> dict:
    """Parameters and GFLOPs of the fused inference model (Ultralytics' own counting)."""
    from ultralytics.utils.torch_utils import get_flops

    fused = copy.deepcopy(model).eval().fuse(verbose=False)
    out = {"params": int(sum(p.numel() for p in fused.parameters()))}
    for size in imgsz_list:
        out[f"gflops@{size}"] = round(float(get_flops(fused, size)), 3)
    return out
