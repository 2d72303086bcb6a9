"""NCNN INT8 without ncnn's own tools (neither the pip wheel nor the PyPI sdist ships ncnn2table / ncnn2int8).

An FP32 NCNN model (pnnx's param + bin) becomes INT8 by giving each Convolution / ConvolutionDepthWise an int8
scale term with its scales appended after the bias in the bin: per output channel (per group for depthwise)
127 / max |w|, and one input scale, 127 / the largest |input| seen on calibration images run through the FP32
model. ncnn quantizes float weights itself when a layer has an int8 scale term (Convolution::load_model);
every other layer stays float, and the Leaky ReLU stays fused into its convolution.
"""

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .gates import GateError

FP16_TAG, FP32_TAG = 0x01306B47, 0
CONVS = ("Convolution", "ConvolutionDepthWise")
INT8_TERM = {"Convolution": "2", "ConvolutionDepthWise": "1"}  # weight scales per output channel / per group


@dataclass
class Layer:
    """One line of an NCNN param file and its bytes in the bin (weights decoded for convolutions)."""

    kind: str
    name: str
    bottoms: list
    tops: list
    params: dict
    data: bytes = b""
    weights: np.ndarray = None

    def line(self) -> str:
        return " ".join([f"{self.kind:<24}", f"{self.name:<24}", str(len(self.bottoms)), str(len(self.tops)),
                         *self.bottoms, *self.tops, *(f"{k}={v}" for k, v in self.params.items())])


def parse_line(line: str) -> Layer:
    """A param line: type, name, counts, blob names, key=value pairs."""
    parts = line.split()
    nb, nt = int(parts[2]), int(parts[3])
    return Layer(parts[0], parts[1], parts[4:4 + nb], parts[4 + nb:4 + nb + nt],
                 dict(p.split("=", 1) for p in parts[4 + nb + nt:]))


def conv_bytes(layer: Layer, blob: bytes, pos: int) -> int:
    """Size of a convolution's weights (tagged fp16 or fp32) and bias at pos; its weights decoded into layer."""
    n, tag = int(layer.params["6"]), struct.unpack_from("<I", blob, pos)[0]
    if tag not in (FP16_TAG, FP32_TAG):
        raise GateError(f"NCNN layer {layer.name}: weights stored as tag {tag:#x}, not fp16 / fp32")
    size = 4 + ((2 * n + 3) // 4 * 4 if tag == FP16_TAG else 4 * n)
    kind = np.float16 if tag == FP16_TAG else np.float32
    layer.weights = np.frombuffer(blob, kind, n, pos + 4).astype(np.float32)
    return size + 4 * int(layer.params["0"]) * (layer.params.get("5", "0") == "1") + scales_bytes(layer)


def scale_groups(layer: Layer) -> int:
    """How many weight scales a convolution's int8 term holds: one per output channel, or per group (depthwise)."""
    return int(layer.params["0"]) if layer.kind == "Convolution" else int(layer.params.get("7", "1"))


def scales_bytes(layer: Layer) -> int:
    """Size of an INT8 convolution's scales after its bias (0 for a float one), as ncnn's load_model reads them."""
    term = int(layer.params.get("8", "0"))
    if not term:
        return 0
    per_weight = scale_groups(layer) if layer.kind == "Convolution" or term % 100 == 1 else 1
    return 4 * (per_weight + 1 + (term > 100))


def read_layers(folder: Path) -> tuple:
    """(header lines, layers) of a folder's model.ncnn.param, each layer with its bytes of model.ncnn.bin; the bin
    must be read to its last byte (else it holds layers this reader does not know)."""
    lines = (folder / "model.ncnn.param").read_text().splitlines()
    layers = [parse_line(line) for line in lines[2:] if line.strip()]
    blob, pos = (folder / "model.ncnn.bin").read_bytes(), 0
    for layer in layers:
        if layer.kind in CONVS:
            size = conv_bytes(layer, blob, pos)
        elif layer.kind == "MemoryData":  # load_type 1: raw float32
            dims = [int(layer.params.get(k, "0")) for k in ("0", "1", "11", "2")]
            size = 4 * int(np.prod([max(d, 1) for d in dims]))
        else:
            size = 0
        layer.data, pos = blob[pos:pos + size], pos + size
    if pos != len(blob):
        raise GateError(f"{folder}: {len(blob) - pos} bytes of model.ncnn.bin belong to no layer this converter knows")
    return lines[:2], layers


def input_ranges(folder: Path, layers: list, inputs: list) -> dict:
    """blob -> the largest |value| of each convolution's input over the input tensors, in fp32 arithmetic."""
    import ncnn

    net = ncnn.Net()
    net.opt.use_vulkan_compute = net.opt.lightmode = False
    net.opt.use_fp16_storage = net.opt.use_fp16_packed = net.opt.use_fp16_arithmetic = False
    if net.load_param(str(folder / "model.ncnn.param")) or net.load_model(str(folder / "model.ncnn.bin")):
        raise GateError(f"{folder}: not a loadable NCNN model")
    ranges = {layer.bottoms[0]: 0.0 for layer in layers if layer.kind in CONVS}
    for x in inputs:
        with net.create_extractor() as ex:
            ex.input(net.input_names()[0], ncnn.Mat(np.ascontiguousarray(x[0])))
            for name in ranges:
                ranges[name] = max(ranges[name], float(np.abs(np.array(ex.extract(name)[1])).max()))
    return ranges


def write_int8(src: Path, dest: Path, inputs: list) -> dict:
    """dest/model.ncnn.param + .bin: src's model with INT8 convolutions calibrated on inputs (letterboxed
    tensors); the settings, in words and numbers, for the model card."""
    header, layers = read_layers(src)
    if any(scales_bytes(layer) for layer in layers):
        raise GateError(f"{src}: already an INT8 NCNN model; make INT8 from the FP32 one")
    ranges = input_ranges(src, layers, inputs)
    out = bytearray()
    for layer in layers:
        out += layer.data
        if layer.kind in CONVS:
            peak = np.abs(layer.weights.reshape(scale_groups(layer), -1)).max(1)
            out += np.where(peak > 0, 127 / np.maximum(peak, 1e-12), 0).astype(np.float32).tobytes()
            out += np.float32(127 / max(ranges[layer.bottoms[0]], 1e-12)).tobytes()
            layer.params["8"] = INT8_TERM[layer.kind]
    (dest / "model.ncnn.param").write_text("\n".join([*header, *(layer.line() for layer in layers)]) + "\n")
    (dest / "model.ncnn.bin").write_bytes(bytes(out))
    return {"tool": "leakyolo ncnn_int8 (int8 scale terms; ncnn quantizes the weights at load)",
            "weights": "s8 per output channel (per group for depthwise), max |w|", "activations": "s8 per tensor, "
            "max |x| over the calibration images (fp32 arithmetic)", "calibration_images": len(inputs),
            "int8_layers": sum(layer.kind in CONVS for layer in layers)}


def is_int8(folder: Path) -> bool:
    """Whether an NCNN model has INT8 convolutions (an int8 scale term on any of them)."""
    return any(layer.kind in CONVS and layer.params.get("8", "0") != "0"
               for layer in map(parse_line, (folder / "model.ncnn.param").read_text().splitlines()[2:]))
