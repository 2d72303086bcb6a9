"""Detection datasets in Ultralytics YOLO format, built offline from registry packages."""

from .registry import BUILDERS, build, dataset_identity, resolve_data

__all__ = ["BUILDERS", "build", "dataset_identity", "resolve_data"]
