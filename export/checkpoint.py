"""Load and check what `leakyolo export` is given: a run folder or a .pt detection checkpoint."""

from pathlib import Path

from leakyolo.base.defaults import IMGSZ
from leakyolo.base.errors import UserError
from leakyolo.base.provenance import read_run_json
from leakyolo.base.offline import import_ultralytics


def resolve_weights(weights_or_run) -> tuple:
    """(weights path, run.json record or {}) for a run folder or a checkpoint file."""
    path = Path(weights_or_run)
    if path.is_dir():
        record = read_run_json(path / "run.json")
        for name in ("best.pt", "last.pt"):
            if (path / "weights" / name).is_file():
                return path / "weights" / name, record
        raise UserError(f"{path}: no weights/best.pt or weights/last.pt; pass a training run folder or a .pt file")
    if not path.is_file():
        raise UserError(f"{path} not found; pass a training run folder or a .pt checkpoint")
    return path, read_run_json(path.parent.parent / "run.json")


def training_size(yolo) -> int:
    """The input size a checkpoint was trained at (Ultralytics keeps its train args), else the default."""
    size = (getattr(yolo, "ckpt", None) or {}).get("train_args", {}).get("imgsz")
    return int(max(size) if isinstance(size, (list, tuple)) else size) if size else IMGSZ


def load_detector(weights: Path, imgsz=None) -> tuple:
    """(Ultralytics YOLO detection model, input size) from a checkpoint, with one-line errors.

    imgsz None: the size the checkpoint was trained at.
    """
    from leakyolo.models.teacher import load_detection

    import_ultralytics("export")
    yolo = load_detection(weights, "checkpoint")
    imgsz = imgsz or training_size(yolo)
    stride = int(max(yolo.model.stride))
    if imgsz % stride:
        raise UserError(f"--imgsz {imgsz} is not a multiple of the model stride {stride}; "
                        f"use {max(stride, imgsz // stride * stride)} or {(imgsz // stride + 1) * stride}")
    return yolo, imgsz
