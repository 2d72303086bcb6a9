"""LeakYOLO: a Leaky-ReLU edge object detector with an ONNX / INT8 export toolchain."""

import os as _os

# ONNX Runtime 1.29+ (official POSIX wheels) keeps a device id and an event database under
# ~/.cache/Microsoft and looks up its telemetry host when a session starts; this variable, read when
# ONNX Runtime initialises, turns that off. Set before any leakyolo module loads onnxruntime; a value
# the user set wins (docs/offline.md).
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"

# The Python API, imported on first use so that `import leakyolo` stays light (no torch on a Pi).
_API = {
    "Detector": ("leakyolo.detect.detector", "Detector"),  # base install
    "bench": ("leakyolo.detect.bench", "bench"),  # base install
    "report": ("leakyolo.compare.report", "report"),  # base install (figures need matplotlib)
    "train": ("leakyolo.models.train", "train"),  # [train] extra (export: from leakyolo.export import export)
    "evaluate": ("leakyolo.compare.evaluate", "evaluate"),  # [train] extra
}
__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    if name in _API:
        import importlib

        module, attr = _API[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'leakyolo' has no attribute {name!r}")


def __dir__() -> list:
    return sorted({*globals(), *_API})
