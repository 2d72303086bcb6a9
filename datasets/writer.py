"""Write a YOLO-format dataset atomically, with a dataset.json recording how it was made.

A build happens in a hidden temp folder beside the target and is renamed into place only when
complete, so an interrupted build never leaves a half dataset that later looks valid. A build
with the same recipe (builder, parameters, input hashes) reuses the existing folder after
verifying the recorded file hashes.
"""

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import cv2

from leakyolo.base.provenance import atomic_write_bytes, sha256_file, stamp, write_json

SPLITS = ("train", "val")
SCHEMA = 1


def recipe_key(recipe: dict) -> str:
    """Stable hash of a build recipe."""
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def file_hashes(root: Path) -> dict:
    """sha256 of every image and label file under root, keyed by relative path."""
    return {p.relative_to(root).as_posix(): sha256_file(p)
            for p in sorted(root.rglob("*")) if p.is_file() and p.parts[-3] in ("images", "labels")}


def content_hash(hashes: dict) -> str:
    """One hash for a dataset's content."""
    return hashlib.sha256("".join(f"{k} {v}\n" for k, v in sorted(hashes.items())).encode()).hexdigest()


def reusable(out: Path, recipe: dict) -> bool:
    """True when out holds a complete build of this recipe whose files still match their hashes."""
    meta_file = out / "dataset.json"
    if not meta_file.is_file() or not (out / "data.yaml").is_file():
        return False
    try:
        meta = json.loads(meta_file.read_text())
    except json.JSONDecodeError:
        return False
    if meta.get("schema") != SCHEMA or meta.get("recipe_sha256") != recipe_key(recipe):
        return False
    return file_hashes(out) == meta.get("files")


class DatasetWriter:
    """Collect images and pixel boxes per split, then publish the dataset in one rename."""

    def __init__(self, out: Path, names: list, recipe: dict, info: dict):
        self.out, self.names, self.recipe, self.info = Path(out).resolve(), list(names), recipe, info
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}.partial-"))
        self.counts = {s: {"images": 0, "instances": 0} for s in SPLITS}

    def add(self, split: str, stem: str, image, boxes) -> None:
        """Add one image (HxWx3 uint8 BGR) with boxes [(cls, x1, y1, x2, y2), ...] in pixels."""
        h, w = image.shape[:2]
        img_path = self.tmp / "images" / split / f"{stem}.jpg"
        img_path.parent.mkdir(parents=True, exist_ok=True)
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        if not ok:
            raise RuntimeError(f"could not encode {stem}")
        img_path.write_bytes(buf.tobytes())
        lines = [f"{int(c)} {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}"
                 for c, x1, y1, x2, y2 in boxes]
        lbl_path = self.tmp / "labels" / split / f"{stem}.txt"
        lbl_path.parent.mkdir(parents=True, exist_ok=True)
        lbl_path.write_text("".join(line + "\n" for line in lines))
        self.counts[split]["images"] += 1
        self.counts[split]["instances"] += len(lines)

    def publish(self) -> Path:
        """Write data.yaml (naming the final folder) and dataset.json, then move the build into place."""
        hashes = file_hashes(self.tmp)
        meta = {
            "schema": SCHEMA,
            **self.info,
            "recipe": self.recipe,
            "recipe_sha256": recipe_key(self.recipe),
            "content_sha256": content_hash(hashes),
            "counts": self.counts,
            **stamp(),
            "files": hashes,
        }
        write_yaml(self.tmp / "data.yaml", self.out, self.names)
        write_json(self.tmp / "dataset.json", meta)
        if self.out.exists():
            shutil.rmtree(self.out)
        self.tmp.rename(self.out)
        return self.out / "data.yaml"

    def discard(self) -> None:
        """Remove the partial build."""
        shutil.rmtree(self.tmp, ignore_errors=True)


def write_yaml(path: Path, root: Path, names: list) -> None:
    """An Ultralytics data YAML with absolute paths."""
    body = [f"path: {json.dumps(str(root))}", "train: images/train", "val: images/val", f"nc: {len(names)}", "names:"]
    body += [f"  {i}: {json.dumps(n)}" for i, n in enumerate(names)]
    atomic_write_bytes(path, ("\n".join(body) + "\n").encode())
