"""Static INT8 quantization (QDQ) with ONNX Runtime, keeping the detection head's decode in float.

Measured on this project's x86 CPU (AVX-512 VNNI, ../shared/notes/int8-onnxruntime.md): unsigned
8-bit activations with signed per-channel weights (U8S8) is the fast path -- about 1.8x faster
than FP32 -- while ONNX Runtime's default signed activations (S8S8) is slower than FP32. Putting
the head's box/score concat through one int8 scale zeroes every score, so every node of the Detect
module except its convolution branches (cv2/cv3/one2one_*) is excluded from quantization.

On x86 CPUs without VNNI (AVX2 only), ONNX Runtime's u8 x s8 kernels add pairs of products in
saturating 16-bit lanes (vpmaddubsw): measured there, digits mAP50-95 0.427 (u8s8) vs 0.438 (u8s7,
7-bit weights, which cannot saturate) for a model at 0.439 in FP32. ARM and VNNI CPUs are exact
with full 8-bit weights, so u8s8 stays the default and u8s7 is for AVX2-only targets (the
pipeline, which reports on the CPU it runs on, picks by host_int8_types()).
"""

import platform
import re
import tempfile
from pathlib import Path

import onnx
from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from leakyolo.detect.model_file import head_prefix

from .calib_reader import LetterboxDataReader

METHODS = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
           "percentile": CalibrationMethod.Percentile}
TYPES = {  # activations, weights, reduce_range (7-bit weights)
    "u8s8": (QuantType.QUInt8, QuantType.QInt8, False),
    "u8s7": (QuantType.QUInt8, QuantType.QInt8, True),
    "s8s8": (QuantType.QInt8, QuantType.QInt8, False),
}


def int8_types_for(machine: str, flags: set) -> str:
    """u8s7 for an x86 CPU with AVX2 but no VNNI (its u8 x s8 kernels saturate), else u8s8."""
    x86 = machine.lower() in ("x86_64", "amd64")
    return "u8s7" if x86 and "avx2" in flags and not flags & {"avx512_vnni", "avx_vnni"} else "u8s8"


def host_int8_types() -> str:
    """The INT8 types that are exact on this machine (see int8_types_for)."""
    from leakyolo.compare.fingerprint import cpuinfo

    return int8_types_for(platform.machine(), cpuinfo()["flags"])


def head_decode_nodes(model: onnx.ModelProto) -> list:
    """Names of the Detect module's nodes outside its convolution branches (the decode)."""
    prefix = head_prefix(n.name for n in model.graph.node)
    if not prefix:
        return []
    return [n.name for n in model.graph.node
            if n.name.startswith(prefix) and not re.match(r"(one2one_)?cv\d", n.name[len(prefix):])]


def quantize(fp32: Path, dest: Path, images: list, size: tuple, method: str = "minmax", types: str = "u8s8",
             exclude_head: bool = True) -> dict:
    """Write an INT8 QDQ model to dest; return the settings used (for the model card)."""
    model = onnx.load(str(fp32))
    excluded = head_decode_nodes(model) if exclude_head else []
    activation, weight, reduce_range = TYPES[types]
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        prepped = Path(tmp) / "prep.onnx"
        # Symbolic shape inference fails at the NMS-free head's TopK: skip it (ORT's own inference still runs).
        quant_pre_process(str(fp32), str(prepped), skip_symbolic_shape=True)
        reader = LetterboxDataReader(images, model.graph.input[0].name, size)
        quantize_static(str(prepped), str(dest), reader, quant_format=QuantFormat.QDQ, per_channel=True,
                        reduce_range=reduce_range, activation_type=activation, weight_type=weight,
                        calibrate_method=METHODS[method], nodes_to_exclude=excluded)
    copy_metadata(model, dest)
    return {"format": "QDQ", "types": types, "activations": activation.name,
            "weights": weight.name + (" (7-bit)" if reduce_range else ""), "per_channel": True,
            "calibration_method": method, "calibration_images": len(images), "nodes_kept_float": len(excluded)}


def copy_metadata(source: onnx.ModelProto, dest: Path) -> None:
    """The quantizer drops metadata_props (names, imgsz, stride, end2end...): copy them back."""
    quantized = onnx.load(str(dest))
    del quantized.metadata_props[:]
    for prop in source.metadata_props:
        quantized.metadata_props.add(key=prop.key, value=prop.value)
    onnx.save(quantized, str(dest))
