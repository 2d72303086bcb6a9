"""LeakYOLO: a Leaky-ReLU edge object detector with an ONNX / INT8 export toolchain."""

__version__ = "0.1.0"
