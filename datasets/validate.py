"""Validate a YOLO-format data YAML: paths, splits, label lines, and that every image decodes."""

import glob
import math
import os
from pathlib import Path

import cv2

from leakyolo.base.errors import UserError, missing_extra
from leakyolo.detect.preprocess import read_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def load_yaml(path: Path) -> dict:
    """Parse a data YAML into a dict, with one-line errors."""
    try:
        import yaml
    except ImportError:
        raise missing_extra("reading dataset YAMLs") from None
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as e:
        raise UserError(f"{path}: not a readable YAML file ({type(e).__name__}); fix or regenerate it") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping with train/val/names keys")
    return data


def class_names(data: dict, origin) -> list:
    """Class names from `names` (list or {id: name}) or `nc`."""
    names = data.get("names")
    if isinstance(names, dict):
        if any(type(k) is not int for k in names) or set(names) != set(range(len(names))):
            raise UserError(f"{origin}: 'names' keys must be the class ids 0..{len(names) - 1} as integers, got "
                            f"{', '.join(repr(k) for k in list(names)[:6])}; renumber them or use a list")
        return [names[k] for k in range(len(names))]
    if isinstance(names, list):
        return names
    if isinstance(data.get("nc"), int):
        return [str(i) for i in range(data["nc"])]
    raise UserError(f"{origin}: needs 'names' (list or mapping) or 'nc'")


def dataset_root(path: Path, data: dict) -> Path:
    """The dataset folder: `path` from the YAML (relative to the YAML's folder), else the YAML's folder."""
    root = Path(data.get("path") or path.parent)
    return root if root.is_absolute() else (path.parent / root).resolve()


def split_images(data: dict, split: str, root: Path, origin) -> list:
    """Image files of a split (folder, .txt list of files, or glob), resolved against root."""
    entry = data.get(split)
    if not entry:
        raise UserError(f"{origin}: missing '{split}' entry (a folder, list file or glob of images)")
    images = []
    for item in entry if isinstance(entry, list) else [entry]:
        p = Path(item) if Path(item).is_absolute() else root / item
        if p.is_dir():
            images += [f for f in sorted(p.rglob("*")) if f.suffix.lower() in IMAGE_SUFFIXES]
        elif p.suffix == ".txt" and p.is_file():
            images += [(p.parent / line.strip()) if not Path(line.strip()).is_absolute() else Path(line.strip())
                       for line in p.read_text().splitlines() if line.strip()]
        elif any(ch in str(p) for ch in "*?["):
            images += [Path(f) for f in sorted(glob.glob(str(p), recursive=True))]
        else:
            raise UserError(f"{origin}: {split} path {p} does not exist; fix 'path'/'{split}' or build the dataset")
    if not images:
        raise UserError(f"{origin}: {split} split has no images ({entry}); add images or fix the path")
    return images



def images_of(data_yaml, split: str) -> list:
    """Image files of one split of a data YAML."""
    path = Path(data_yaml)
    cfg = load_yaml(path)
    return split_images(cfg, split, dataset_root(path, cfg), path)

def label_path(image: Path) -> Path:
    """Ultralytics' convention: .../images/... -> .../labels/..., suffix .txt."""
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    return Path(sb.join(str(image).rsplit(sa, 1))).with_suffix(".txt")


def check_label_file(path: Path, nc: int) -> int:
    """Validate one label file; return its instance count. Errors name file and line."""
    count = 0
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            cls, *coords = float(parts[0]), *map(float, parts[1:])
        except ValueError:
            raise UserError(f"{path}:{lineno}: non-numeric label '{line.strip()}'") from None
        if not all(map(math.isfinite, (cls, *coords))):
            raise UserError(f"{path}:{lineno}: label '{line.strip()[:60]}' has a NaN or infinite value; fix the line")
        if len(coords) != 4:
            raise UserError(f"{path}:{lineno}: expected 'class cx cy w h', got {len(parts)} fields")
        if cls != int(cls) or not 0 <= cls < nc:
            raise UserError(f"{path}:{lineno}: class id {parts[0]} out of range 0..{nc - 1}")
        cx, cy, w, h = coords
        if not (0 <= cx <= 1 and 0 <= cy <= 1 and 0 < w <= 1 and 0 < h <= 1):
            raise UserError(f"{path}:{lineno}: box {cx} {cy} {w} {h} is not normalised to 0..1 (or has no size)")
        count += 1
    return count


def validate_yaml(path, check_images: bool = True) -> dict:
    """Validate a data YAML and its files; return {names, splits: {split: {images, instances}}}."""
    path = Path(path)
    data = load_yaml(path)
    names = class_names(data, path)
    root = dataset_root(path, data)
    if not root.exists() and data.get("download"):
        return {"names": names, "splits": {}, "deferred": "Ultralytics will download it"}
    summary = {"names": names, "splits": {}}
    for split in ("train", "val"):
        images = split_images(data, split, root, path)
        instances = 0
        for image in images:
            if check_images and read_image(image, cv2.IMREAD_REDUCED_GRAYSCALE_8) is None:
                raise UserError(f"{image}: image cannot be read (corrupt or not an image); remove or replace it")
            lbl = label_path(image)
            if lbl.exists():
                instances += check_label_file(lbl, len(names))
        summary["splits"][split] = {"images": len(images), "instances": instances}
    return summary
