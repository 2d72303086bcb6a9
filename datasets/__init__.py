"""Detection datasets in Ultralytics YOLO format, built offline from registry packages."""

from .calib import calibration_images
from .registry import BUILDERS, build, resolve_data

__all__ = ["BUILDERS", "build", "calibration_images", "resolve_data"]
