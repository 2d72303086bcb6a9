"""The LeakYOLO model family and the YOLO26 baselines, built and trained with Ultralytics."""

from .registry import REGISTRY, model_yaml, spec

__all__ = ["REGISTRY", "model_yaml", "spec"]
