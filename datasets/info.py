"""`data info`: classes, image/instance counts per split and a box-size histogram, as text."""

from pathlib import Path

import cv2
import numpy as np

from leakyolo.detect.preprocess import read_image

from .validate import dataset_root, label_path, load_yaml, split_images, validate_yaml

SIZE_BINS = (0, 8, 16, 32, 64, 128, 256, 100000)  # box side sqrt(w*h) in pixels of the image


def box_sides(images: list) -> np.ndarray:
    """sqrt(w*h) of every labelled box, in image pixels."""
    sides = []
    for image in images:
        lbl = label_path(image)
        if not lbl.exists() or not lbl.read_text().strip():
            continue
        h, w = read_image(image, cv2.IMREAD_UNCHANGED).shape[:2]
        rows = np.loadtxt(lbl, ndmin=2)
        sides.extend(np.sqrt(rows[:, 3] * w * rows[:, 4] * h))
    return np.array(sides)


def describe(yaml_path: Path) -> str:
    """Human-readable summary of a dataset."""
    summary = validate_yaml(yaml_path)
    cfg = load_yaml(yaml_path)
    lines = [f"dataset: {yaml_path}", f"classes ({len(summary['names'])}): {', '.join(map(str, summary['names']))}"]
    for split, counts in summary["splits"].items():
        lines.append(f"{split:>5}: {counts['images']} images, {counts['instances']} instances")
        sides = box_sides(split_images(cfg, split, dataset_root(yaml_path, cfg), yaml_path))
        hist, _ = np.histogram(sides, bins=SIZE_BINS)
        peak = max(hist.max(), 1)
        for lo, hi, n in zip(SIZE_BINS[:-1], SIZE_BINS[1:], hist):
            label = f"{lo}-{hi}px" if hi < 100000 else f">={lo}px"
            lines.append(f"       {label:>9} {n:6d} {'#' * int(round(30 * n / peak))}")
    return "\n".join(lines)
