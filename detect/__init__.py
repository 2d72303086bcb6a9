"""Edge inference with ONNX Runtime + OpenCV + numpy only (no torch, no ultralytics)."""

from .detector import Detection, Detector
from .loop import DetectOptions, DetectResult, detect

__all__ = ["DetectOptions", "DetectResult", "Detection", "Detector", "detect"]
