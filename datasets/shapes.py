"""`shapes`: a tiny SYNTHETIC set (filled rectangles, circles, triangles) for tests and smoke runs."""

import cv2
import numpy as np

NAMES = ["rectangle", "circle", "triangle"]
DEFAULTS = {"imgsz": 128, "n_images": 64, "val_fraction": 0.25, "seed": 0}


def draw(rng: np.random.Generator, size: int) -> tuple:
    """One image of 1-3 shapes on a noisy gradient, with boxes [(cls, x1, y1, x2, y2)]."""
    ramp = np.linspace(0, 1, size, dtype=np.float32)
    base = rng.uniform(30, 120, 3).astype(np.float32)
    image = base + 60 * ramp[None, :, None] + rng.normal(0, 8, (size, size, 3)).astype(np.float32)
    image = np.clip(image, 0, 255).astype(np.uint8)
    boxes = []
    for _ in range(int(rng.integers(1, 4))):
        cls = int(rng.integers(len(NAMES)))
        side = int(rng.uniform(0.2, 0.45) * size)
        x0, y0 = int(rng.integers(0, size - side)), int(rng.integers(0, size - side))
        color = tuple(int(c) for c in rng.uniform(150, 255, 3))
        if cls == 0:
            cv2.rectangle(image, (x0, y0), (x0 + side - 1, y0 + side - 1), color, -1)
        elif cls == 1:
            cv2.circle(image, (x0 + side // 2, y0 + side // 2), side // 2, color, -1)
        else:
            pts = np.array([[x0 + side // 2, y0], [x0, y0 + side - 1], [x0 + side - 1, y0 + side - 1]], np.int32)
            cv2.fillPoly(image, [pts], color)
        boxes.append((cls, x0, y0, x0 + side, y0 + side))
    return image, boxes


def build(writer, imgsz: int, n_images: int, val_fraction: float, seed: int, **_) -> None:
    """Fill a DatasetWriter with synthetic shapes."""
    rng = np.random.default_rng(seed)
    n_val = max(1, int(round(n_images * val_fraction)))
    for split, count in (("train", n_images - n_val), ("val", n_val)):
        for i in range(count):
            writer.add(split, f"{split}_{i:05d}", *draw(rng, imgsz))


def recipe_inputs() -> dict:
    """Synthetic: nothing external."""
    return {}
