"""Teachers for Ultralytics' built-in feature distillation (`train(distill_model=..., dis=...)`), and
SiLU -> Leaky ReLU conversion of trained checkpoints. A teacher is checked before any training starts:
a readable detection checkpoint whose classes are the data's and whose head has the student's levels."""

from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import read_run_json, sha256_file

DEFAULT_DIS = 6.0  # Ultralytics' default distillation loss weight


def checkpoint_of(path_or_run) -> Path:
    """A .pt file: the path itself, or a run folder's weights/best.pt (else last.pt)."""
    path = Path(path_or_run)
    if path.is_dir():
        for name in ("best.pt", "last.pt"):
            if (path / "weights" / name).is_file():
                return path / "weights" / name
        raise UserError(f"{path}: no weights/best.pt or weights/last.pt; pass a training run folder or a .pt file")
    if not path.is_file():
        raise UserError(f"{path} not found; pass a training run folder or a .pt detection checkpoint")
    return path


TRUSTED_GLOBALS = ("torch.", "ultralytics.", "numpy.", "collections.")  # what a detection checkpoint may name


def check_pickle(path: Path, role: str) -> None:
    """Refuse a checkpoint whose pickle names code outside torch, Ultralytics, numpy and the standard collections,
    before anything unpickles it (torch's own scan of the globals a checkpoint names; loading runs them)."""
    import torch.serialization

    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except Exception as e:  # not a zip checkpoint, truncated, not a pickle
        raise UserError(f"{role} {path}: not a loadable checkpoint ({type(e).__name__}); pick another file") from None
    foreign = sorted(n for n in names if not n.startswith(TRUSTED_GLOBALS))
    if foreign:
        raise UserError(f"{role} {path}: refused before loading: its pickle calls {', '.join(foreign[:3])}"
                        f"{', ...' if len(foreign) > 3 else ''} (not torch / Ultralytics / numpy); use a checkpoint "
                        f"you trust from a training run")


def load_detection(path: Path, role: str):
    """An Ultralytics YOLO detection model from a checkpoint, its pickle checked first; one-line errors for
    anything else."""
    from ultralytics import YOLO

    if path.suffix != ".pt":
        raise UserError(f"{role} {path}: expected a PyTorch .pt checkpoint")
    check_pickle(path, role)
    try:
        yolo = YOLO(str(path))
    except Exception as e:  # torch.load / unpickling raise many types for corrupt files
        raise UserError(f"{role} {path}: not a loadable checkpoint ({type(e).__name__}); pick another file") from None
    if yolo.task != "detect":
        raise UserError(f"{role} {path} is a {yolo.task} checkpoint; it must be a detection model")
    return yolo


def class_names(names) -> list:
    """Class names in id order from a {id: name} dict or a list."""
    return [str(names[k]) for k in sorted(names)] if isinstance(names, dict) else [str(n) for n in names]


def head_levels(yolo) -> int:
    """How many feature levels the Detect head reads."""
    return int(yolo.model.model[-1].nl)


def check_teacher(teacher, data_yaml: str, student, dis: float) -> dict:
    """The teacher's record for run.json (path, sha256, model, its own mAP, dis); UserError if it cannot teach
    this student on this data."""
    from leakyolo.datasets.validate import load_yaml

    path = checkpoint_of(teacher)
    yolo = load_detection(path, "teacher")
    data_names = class_names(load_yaml(Path(data_yaml)).get("names") or {})
    names = class_names(yolo.model.names)
    if names != data_names:
        raise UserError(f"teacher {path} knows {len(names)} classes ({', '.join(names[:4])}...), the data "
                        f"{len(data_names)} ({', '.join(data_names[:4])}...): teach with a model trained on this data")
    if head_levels(yolo) != head_levels(student):
        raise UserError(f"teacher {path} has {head_levels(yolo)} head levels, the student {head_levels(student)}: "
                        f"distillation matches features level by level; pick a teacher with the same levels")
    if not dis > 0:
        raise UserError(f"--dis {dis}: the distillation loss weight must be above 0")
    run = read_run_json(path.parent.parent / "run.json")
    return {"path": str(path.resolve()), "sha256": sha256_file(path), "model": run.get("model") or path.stem,
            "mAP50-95": run.get("metrics", {}).get("mAP50-95"), "wall_seconds": run.get("wall_seconds"), "dis": dis}


def to_leaky(source: Path, dest: Path, slope: float) -> dict:
    """Write dest: source's detector with every activation Leaky ReLU(slope), all weights kept; its record."""
    import torch
    from ultralytics.nn.tasks import DetectionModel

    yolo = load_detection(source, "checkpoint")
    cfg = dict(yolo.model.yaml)
    cfg["activation"] = f"nn.LeakyReLU({slope})"
    model = DetectionModel(cfg, nc=len(yolo.model.names), verbose=False)
    missing, unexpected = model.load_state_dict(yolo.model.float().state_dict(), strict=False)
    if missing or unexpected:
        raise UserError(f"{source}: its weights do not fit the same architecture with Leaky ReLU "
                        f"({len(missing)} missing, {len(unexpected)} unexpected tensors)")
    model.names = dict(yolo.model.names)
    model.args = {**getattr(yolo.model, "args", {}), "task": "detect"}
    dest.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model, "train_args": {"task": "detect", "imgsz": yolo.ckpt.get("train_args", {}).get(
        "imgsz")}}, dest)
    run = read_run_json(source.parent.parent / "run.json")
    return {"path": str(source.resolve()), "sha256": sha256_file(source), "model": run.get("model") or source.stem,
            "wall_seconds": run.get("wall_seconds"), "activation": f"LeakyReLU({slope}) (was {run.get('activation') or 'as trained'})"}
