"""LeakYOLO: a Leaky-ReLU edge object detector with an ONNX / INT8 export toolchain."""

import os

# ONNX Runtime 1.29+ (official POSIX wheels) keeps a device id and an event database under
# ~/.cache/Microsoft and looks up its telemetry host when a session starts; this variable, read when
# ONNX Runtime initialises, turns that off. Set before any leakyolo module loads onnxruntime; a value
# the user set wins (docs/offline.md).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
