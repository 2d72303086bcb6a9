"""Static INT8 quantization (QDQ) with ONNX Runtime, keeping the detection head's decode in float.

Measured on this project's x86 CPU (AVX-512 VNNI, ../shared/notes/int8-onnxruntime.md): unsigned
8-bit activations with signed per-channel weights (U8S8) is the fast path -- about 1.8x faster
than FP32 -- while ONNX Runtime's default signed activations (S8S8) is slower than FP32. Putting
the head's box/score concat through one int8 scale zeroes every score, so every node of the Detect
module except its convolution branches (cv2/cv3/one2one_*) is excluded from quantization.
"""

import re
import tempfile
from pathlib import Path

import onnx
from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from .calib_reader import LetterboxDataReader

METHODS = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
           "percentile": CalibrationMethod.Percentile}
TYPES = {"u8s8": (QuantType.QUInt8, QuantType.QInt8), "s8s8": (QuantType.QInt8, QuantType.QInt8)}


def head_decode_nodes(model: onnx.ModelProto) -> list:
    """Names of the Detect module's nodes outside its convolution branches (the decode)."""
    layer = re.compile(r"^/model\.(\d+)/")
    indices = [int(m.group(1)) for n in model.graph.node if (m := layer.match(n.name))]
    if not indices:
        return []
    prefix = f"/model.{max(indices)}/"
    return [n.name for n in model.graph.node
            if n.name.startswith(prefix) and not re.match(r"(one2one_)?cv\d", n.name[len(prefix):])]


def quantize(fp32: Path, dest: Path, images: list, size: tuple, method: str = "minmax", types: str = "u8s8",
             exclude_head: bool = True) -> dict:
    """Write an INT8 QDQ model to dest; return the settings used (for the model card)."""
    model = onnx.load(str(fp32))
    excluded = head_decode_nodes(model) if exclude_head else []
    activation, weight = TYPES[types]
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        prepped = Path(tmp) / "prep.onnx"
        # Symbolic shape inference fails at the NMS-free head's TopK: skip it (ORT's own inference still runs).
        quant_pre_process(str(fp32), str(prepped), skip_symbolic_shape=True)
        reader = LetterboxDataReader(images, model.graph.input[0].name, size)
        quantize_static(str(prepped), str(dest), reader, quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=activation, weight_type=weight, calibrate_method=METHODS[method],
                        nodes_to_exclude=excluded)
    copy_metadata(model, dest)
    return {"format": "QDQ", "activations": activation.name, "weights": weight.name, "per_channel": True,
            "calibration_method": method, "calibration_images": len(images), "nodes_kept_float": len(excluded)}


def copy_metadata(source: onnx.ModelProto, dest: Path) -> None:
    """The quantizer drops metadata_props (names, imgsz, stride, end2end...): copy them back."""
    quantized = onnx.load(str(dest))
    del quantized.metadata_props[:]
    for prop in source.metadata_props:
        quantized.metadata_props.add(key=prop.key, value=prop.value)
    onnx.save(quantized, str(dest))
