"""`trees`: REAL aerial photos with human-drawn tree-crown boxes (DeepForest 2.1.0 wheel, MIT).

The source images are tiled to imgsz with overlap; a box is kept in a tile when at least
`min_visible` of its area lies inside, clipped to the tile. Whole source images are held out for
val, so no val tile overlaps a train tile.
"""

import xml.etree.ElementTree as ET

import cv2
import numpy as np

from leakyolo.base.errors import UserError

from .wheels import fetch, read_member

SOURCES = {  # name: (png sha256, xml sha256)
    "2019_YELL_2_528000_4978000_image_crop2": (
        "a9bdb0f4447fdd899d22f567e0e20ba8320c5413b2ad0cd0ac8d9f3b6e0f9767",
        "bd431af6a5086d721eb731b22f5ea28cd8a8eab06883efc1c665391acbc68e11"),
    "2019_YELL_2_541000_4977000_image_crop": (
        "178e58a23cc2642226a364a30f71bd9258ddc1b012c826f12250914a90c7a131",
        "cefe4b96888bacbf8af1674f000082e549aa707aa6590d545effb23e43f26631"),
    "OSBS_029": (
        "d9477c6a00e4902c7bee487d4c5582c3b8b9a2f77f3908a29628b816b291e6ee",
        "1f68c4011d7b351c29ca755072e77f3d16e6fd1f995bd05a9dd4eb952b55373c"),
    "SOAP_061": (
        "256508f1a62149bec4a80879077a865caf50e8cace095e6564c76befa480d424",
        "4833280af75fd9c47965a93e38945282835e9e725cac412bdb9469d63480947c"),
}
SPLIT = {  # two sites in each split; whole images per split
    "train": ("2019_YELL_2_528000_4978000_image_crop2", "OSBS_029"),
    "val": ("2019_YELL_2_541000_4977000_image_crop", "SOAP_061"),
}
NAMES = ["tree"]
DEFAULTS = {"imgsz": 320, "overlap": 0.25, "min_visible": 0.5}


def parse_voc(xml_bytes: bytes, origin: str) -> np.ndarray:
    """Pascal-VOC boxes as an (N, 4) float array of x1, y1, x2, y2 pixels."""
    try:
        root = ET.fromstring(xml_bytes)
    except ET.ParseError as e:
        raise UserError(f"{origin}: not valid Pascal-VOC XML ({e})") from None
    boxes = [[float(o.findtext(f"bndbox/{k}")) for k in ("xmin", "ymin", "xmax", "ymax")] for o in root.iter("object")]
    return np.array(boxes, dtype=np.float64).reshape(-1, 4)


def tile_origins(length: int, tile: int, overlap: float) -> list:
    """Tile start offsets covering [0, length): evenly strided, the last one flush with the edge."""
    if length <= tile:
        return [0]
    stride = max(1, int(round(tile * (1 - overlap))))
    starts = list(range(0, length - tile + 1, stride))
    if starts[-1] != length - tile:
        starts.append(length - tile)
    return starts


def clip_boxes(boxes: np.ndarray, x0: int, y0: int, w: int, h: int, min_visible: float) -> np.ndarray:
    """Boxes shifted into a tile's frame, clipped, keeping those with >= min_visible of their area inside."""
    if len(boxes) == 0:
        return boxes.reshape(0, 4)
    shifted = boxes - np.array([x0, y0, x0, y0], dtype=np.float64)
    clipped = np.clip(shifted, 0, [w, h, w, h])
    area = (shifted[:, 2] - shifted[:, 0]) * (shifted[:, 3] - shifted[:, 1])
    inside = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    keep = (area > 0) & (inside >= min_visible * area) & (clipped[:, 2] - clipped[:, 0] >= 1) & (
        clipped[:, 3] - clipped[:, 1] >= 1)
    return clipped[keep]


def tiles(image: np.ndarray, boxes: np.ndarray, tile: int, overlap: float, min_visible: float):
    """Yield (x0, y0, crop, boxes_in_crop) covering the image."""
    h, w = image.shape[:2]
    for y0 in tile_origins(h, tile, overlap):
        for x0 in tile_origins(w, tile, overlap):
            crop = image[y0:y0 + tile, x0:x0 + tile]
            yield x0, y0, crop, clip_boxes(boxes, x0, y0, crop.shape[1], crop.shape[0], min_visible)


def build(writer, imgsz: int, overlap: float, min_visible: float, **_) -> None:
    """Fill a DatasetWriter with tiles of the DeepForest sample images."""
    wheel = fetch("deepforest")
    for split, sources in SPLIT.items():
        for name in sources:
            png_sha, xml_sha = SOURCES[name]
            png = read_member(wheel, f"deepforest/data/{name}.png", png_sha)
            image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
            boxes = parse_voc(read_member(wheel, f"deepforest/data/{name}.xml", xml_sha), name)
            for x0, y0, crop, kept in tiles(image, boxes, imgsz, overlap, min_visible):
                writer.add(split, f"{name}_{x0}_{y0}", crop, [(0, *b) for b in kept])


def recipe_inputs() -> dict:
    """Input hashes that identify this build."""
    return {"wheel": "deepforest==2.1.0", "files": {k: list(v) for k, v in SOURCES.items()}, "split": SPLIT}
