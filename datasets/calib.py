"""Calibration sampler: N images from a dataset's train split, for INT8 calibration."""

from pathlib import Path

import numpy as np

from .registry import resolve_data
from .validate import dataset_root, load_yaml, split_images


def calibration_images(data: str, n: int = 300, seed: int = 0) -> list:
    """A deterministic sample of up to n train-split image paths of a dataset name or YAML."""
    yaml_path = Path(resolve_data(data))
    cfg = load_yaml(yaml_path)
    images = split_images(cfg, "train", dataset_root(yaml_path, cfg), yaml_path)
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(images), size=min(n, len(images)), replace=False))
    return [images[i] for i in pick]
