"""Detection datasets in Ultralytics YOLO format, built offline from registry packages."""

from .calib import calibration_images
from .registry import BUILDERS, build, dataset_identity, resolve_data

__all__ = ["BUILDERS", "build", "calibration_images", "dataset_identity", "resolve_data"]
