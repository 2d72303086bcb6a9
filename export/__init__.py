"""Export trained detectors to ONNX (FP32, gated INT8) with model cards:
`from leakyolo.export import export, ExportOptions`."""

from .options import ExportOptions

__all__ = ["ExportOptions", "export"]


def __getattr__(name: str):
    """export, imported on first use: the exporter needs torch, onnx and Ultralytics."""
    if name == "export":
        from .exporter import export

        return export
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
