"""Static INT8 quantization (QDQ) with ONNX Runtime, keeping the detection head's decode in float.

Unsigned 8-bit activations with signed per-channel weights (u8s8) is ONNX Runtime's fast path on ARM
and x86 VNNI CPUs; signed activations (s8s8) ran slower than FP32 there. Every node of the Detect
module outside its convolution branches (cv2/cv3/one2one_*) stays float: one int8 scale across the
head's box/score concat zeroes every score. On x86 CPUs without VNNI (AVX2 only) ONNX Runtime's
u8 x s8 kernels add pairs of products in saturating 16-bit lanes, so u8s7 (7-bit weights, which cannot
saturate) is offered for them; host_int8_types() picks per CPU. Measurements: docs/int8.md.
"""

import platform
import re
import tempfile
from pathlib import Path

import onnx
from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from leakyolo.detect.model_file import head_prefix


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
    from leakyolo.base.machine import cpuinfo

    return int8_types_for(platform.machine(), cpuinfo()["flags"])


def head_decode_nodes(model: onnx.ModelProto) -> list:
    """Names of the Detect module's nodes outside its convolution branches (the decode)."""
    prefix = head_prefix(n.name for n in model.graph.node)
    if not prefix:
        return []
    return [n.name for n in model.graph.node
            if n.name.startswith(prefix) and not re.match(r"(one2one_)?cv\d", n.name[len(prefix):])]


def quantize(fp32: Path, dest: Path, reader_for, method: str = "minmax", types: str = "u8s8",
             exclude_head: bool = True) -> dict:
    """Write an INT8 QDQ model to dest; return the settings used (for the model card).

    reader_for(input name) -> the CalibrationDataReader that feeds the calibration images
    (calibration.LetterboxDataReader).
    """
    model = onnx.load(str(fp32))
    excluded = head_decode_nodes(model) if exclude_head else []
    activation, weight, reduce_range = TYPES[types]
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        prepped = Path(tmp) / "prep.onnx"
        # Symbolic shape inference fails at the NMS-free head's TopK: skip it (ORT's own inference still runs).
        quant_pre_process(str(fp32), str(prepped), skip_symbolic_shape=True)
        reader = reader_for(model.graph.input[0].name)
        quantize_static(str(prepped), str(dest), reader, quant_format=QuantFormat.QDQ, per_channel=True,
                        reduce_range=reduce_range, activation_type=activation, weight_type=weight,
                        calibrate_method=METHODS[method], nodes_to_exclude=excluded)
    copy_metadata(model, dest)
    return {"format": "QDQ", "types": types, "activations": activation.name,
            "weights": weight.name + (" (7-bit)" if reduce_range else ""), "per_channel": True,
            "calibration_method": method, "nodes_kept_float": len(excluded)}


def copy_metadata(source: onnx.ModelProto, dest: Path) -> None:
    """The quantizer drops metadata_props (names, imgsz, stride, end2end...): copy them back."""
    quantized = onnx.load(str(dest))
    del quantized.metadata_props[:]
    for prop in source.metadata_props:
        quantized.metadata_props.add(key=prop.key, value=prop.value)
    onnx.save(quantized, str(dest))
