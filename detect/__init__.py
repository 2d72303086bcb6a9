"""Edge inference with ONNX Runtime + OpenCV + numpy only (no torch, no ultralytics)."""

from .detector import Detection, Detector

__all__ = ["Detection", "Detector"]
