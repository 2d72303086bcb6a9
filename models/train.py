"""Train a registered model on the Ultralytics trainer with explicit, identical settings."""

import os
import sys
import time
from pathlib import Path
from typing import Optional, Union

from leakyolo.base.defaults import IMGSZ
from leakyolo.base.errors import UserError
from leakyolo.base.offline import import_ultralytics
from leakyolo.base.provenance import read_run_json, sha256_file, stamp, write_json

from .options import TrainOptions
from .teacher import check_pickle, check_teacher

# Identical for every model: comparisons must not depend on Ultralytics' optimizer=auto, which
# silently switches optimizer and learning rate with the run length.
TRAIN_SETTINGS = {
    "optimizer": "SGD",
    "lr0": 0.01,
    "lrf": 0.01,
    "momentum": 0.937,
    "weight_decay": 0.0005,
    "warmup_epochs": 3.0,
    "cos_lr": False,
    "close_mosaic": 10,
    "nbs": 64,
    "amp": False,
    "deterministic": True,
    "plots": False,
}


def describe_model(yolo, imgsz: int) -> dict:
    """Census, params and GFLOPs of a built model."""
    from .census import census, params_and_gflops

    sizes = (imgsz, 640) if imgsz != 640 else (640,)
    return {"census": census(yolo.model), **params_and_gflops(yolo.model, sizes)}


def device_name(device) -> str:
    """The GPU's name, or the CPU model, that trained a run (run.json)."""
    import torch

    from leakyolo.base.machine import cpuinfo

    if getattr(device, "type", "") == "cuda":
        return torch.cuda.get_device_name(device)
    return cpuinfo()["model"]


def use_all_cores(trainer) -> None:
    """CPU training on every core this process may use. On CPU Ultralytics sets torch to cores - 1
    threads and loads data in the main process: on a 2-core machine one core sat idle, and 2 threads
    trained an epoch 1.4x faster (docs/performance.md)."""
    import torch

    if trainer.device.type == "cpu":
        torch.set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())


def stride_multiple(imgsz: int, stride: int) -> int:
    """imgsz rounded up to a multiple of the model's stride, saying so on stderr when it changes."""
    if imgsz < 1:
        raise UserError(f"--imgsz {imgsz}: must be a positive multiple of the model stride {stride}")
    rounded = -(-imgsz // stride) * stride
    if rounded != imgsz:
        print(f"train: --imgsz {imgsz} is not a multiple of the model stride {stride}; training at {rounded}",
              file=sys.stderr)
    return rounded


def _checkpoint(resume) -> Path:
    """The last.pt to resume from: a run folder or the file itself."""
    last = Path(resume) / "weights" / "last.pt" if Path(resume).is_dir() else Path(resume)
    if not last.is_file():
        raise UserError(f"cannot resume: {last} not found; pass a run folder or its weights/last.pt")
    return last


def train(model: str, data: Optional[str], opts: Optional[TrainOptions] = None,
          resume: Optional[Union[str, Path]] = None, **changes) -> Path:
    """Train `model` (registered name, model YAML or .pt) on `data` (dataset name or YAML) with `opts`
    (TrainOptions; keyword arguments change single fields, other keys are Ultralytics hyperparameters);
    return the run folder.

    run.json is written when training starts (status "training") and completed at the end; with
    `resume` (a run folder or last.pt) Ultralytics continues from the checkpoint (a distilled run keeps its
    teacher: Ultralytics stores it in the checkpoint's train args). A teacher is checked before training
    (a detection model with the data's classes and the student's head levels); run.json records it.
    """
    import_ultralytics("training")
    opts = (opts or TrainOptions()).but(**changes)
    yolo, args, record = resumed(resume) if resume else fresh(model, data, opts)
    yolo.add_callback("on_pretrain_routine_start", lambda trainer: started_training(trainer, record))
    for event, func in opts.callbacks.items():
        yolo.add_callback(event, func)
    started = time.time()
    try:
        yolo.train(**args)
    except KeyboardInterrupt:
        last = Path(getattr(getattr(yolo, "trainer", None), "last", "") or "")
        hint = (f"last checkpoint: {last}; resume with: leakyolo train --resume {last}" if last.is_file()
                else "no checkpoint was saved yet")
        print(f"training interrupted; {hint}", file=sys.stderr)
        raise
    record.update(finished_facts(yolo.trainer, time.time() - started, record.get("resumed", [])))
    save_dir = Path(yolo.trainer.save_dir)
    write_json(save_dir / "run.json", record)
    print(f"run: {save_dir}  mAP50 {record['metrics']['mAP50']:.3f}  mAP50-95 {record['metrics']['mAP50-95']:.3f}",
          file=sys.stderr)
    return save_dir


def resumed(resume) -> tuple:
    """(model, train args, run record) to continue an interrupted run."""
    from ultralytics import YOLO

    last = _checkpoint(resume)
    check_pickle(last, "checkpoint")
    record = read_run_json(last.parent.parent / "run.json") or {"model": str(last)}
    record["resumed"] = [*record.get("resumed", []), epochs_so_far(last.parent.parent / "results.csv")]
    return YOLO(str(last)), {"resume": True}, record


MODEL_FILES = (".yaml", ".yml", ".pt")
RESERVED = ("data", "model", "epochs", "imgsz", "batch", "seed", "device", "workers", "project", "name", "resume")


def build_model(model: str, slope=None) -> tuple:
    """(YOLO model, record facts) from a registered name, a model YAML or a .pt (fine-tuned from its weights;
    loading a .pt runs its pickle: use checkpoints you trust)."""
    from ultralytics import YOLO

    from .census import census
    from .registry import REGISTRY, model_yaml, spec

    path = Path(model)
    if path.suffix not in MODEL_FILES:
        spec(model)  # a one-line error listing the registered names
        act = spec(model).act(slope)
        return YOLO(model_yaml(model, slope)), {"model": model, "activation": act.removeprefix("nn.") or "SiLU"}
    if not path.is_file():
        raise UserError(f"model {model} not found: give a registered name ({', '.join(REGISTRY)}), a model YAML "
                        f"or a .pt checkpoint")
    if path.suffix == ".pt":
        check_pickle(path, "model")
    try:
        yolo = YOLO(str(path))
    except Exception as e:  # Ultralytics and torch raise many types for bad YAMLs and checkpoints
        raise UserError(f"{model}: not a loadable model ({type(e).__name__}: {str(e).strip()[:120]})") from None
    if yolo.task != "detect":
        raise UserError(f"{model} is a {yolo.task} model; leakyolo trains detection models")
    kinds = census(yolo.model)["total"]
    return yolo, {"model": path.stem, "activation": ", ".join(k for k in kinds) or "none",
                  "model_source": {"path": str(path.resolve()), "sha256": sha256_file(path)}}


def hyperparameters(pairs: list) -> dict:
    """KEY=VALUE Ultralytics training arguments, checked by Ultralytics' own config checker."""
    import_ultralytics("training")
    from ultralytics.cfg import DEFAULT_CFG_DICT, check_cfg, check_dict_alignment, smart_value

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"'{pair}': give Ultralytics hyperparameters as KEY=VALUE, e.g. lr0=0.005 mosaic=0.5")
        out[key.strip()] = smart_value(value.strip())
    taken = [k for k in out if k in RESERVED]
    if taken:
        raise UserError(f"{taken[0]}=...: use the --{taken[0]} option of leakyolo train instead")
    try:
        check_dict_alignment(DEFAULT_CFG_DICT, out)
        check_cfg(out)
    except (SyntaxError, TypeError, ValueError) as e:
        raise UserError(f"hyperparameter {str(e).strip().splitlines()[0]}") from None
    return out


def fresh(model: str, data: str, opts: TrainOptions) -> tuple:
    """(model, train args, run record) of a new run; imgsz rounded to the stride, data built / validated,
    the teacher checked."""
    from leakyolo.datasets import dataset_identity, resolve_data

    yolo, record = build_model(model, opts.slope)
    imgsz = stride_multiple(opts.imgsz, int(max(yolo.model.stride)))
    data = resolve_data(data, imgsz=imgsz)
    record["dataset"] = dataset_identity(data)
    record.update(opts.record_extra)
    args = dict(data=data, imgsz=imgsz, epochs=opts.epochs, batch=opts.batch, seed=opts.seed, device=opts.device,
                project=str(Path(opts.project).resolve()), workers=opts.workers,
                name=opts.name or f"{record['model']}-{Path(data).parent.name}", **{**TRAIN_SETTINGS,
                                                                                     **opts.hyperparameters})
    if opts.teacher:
        record["teacher"] = check_teacher(opts.teacher, data, yolo, opts.dis)
        args.update(distill_model=record["teacher"]["path"], dis=opts.dis)
    return yolo, args, record


def started_training(trainer, record: dict) -> None:
    """Ultralytics' pretrain callback: use every core, write run.json with status "training"."""
    import torch

    use_all_cores(trainer)
    record["torch_threads"] = torch.get_num_threads()  # Ultralytics' final validation resets it
    write_json(Path(trainer.save_dir) / "run.json", {**record, "status": "training", **stamp()})


def epochs_so_far(results_csv: Path) -> list:
    """[epochs done, seconds of the invocation that wrote the last one] when a training resumes: Ultralytics'
    results.csv "time" column restarts at each invocation."""
    lines = results_csv.read_text().splitlines() if results_csv.is_file() else []
    rows = [line for line in lines[1:] if line.strip()]
    if not rows:
        return [0, 0.0]
    column = [c.strip() for c in lines[0].split(",")].index("time")
    return [len(rows), float(rows[-1].split(",")[column])]


def earlier_seconds(resumed: list) -> float:
    """Training seconds of the invocations before the last, from run.json's `resumed` entries (an invocation
    stopped before it finished an epoch adds nothing: its entry repeats the epoch count before it)."""
    done, total = 0, 0.0
    for epochs, seconds in resumed:
        if epochs > done:
            done, total = epochs, total + seconds
    return total


def finished_facts(trainer, seconds: float, resumed: list) -> dict:
    """What run.json records at the end of a training: model size, settings, device, time, mAP, weights.
    wall_seconds adds the earlier invocations of a resumed training (their epochs)."""
    from ultralytics import YOLO

    resumes, earlier = len(resumed), earlier_seconds(resumed)
    t_args = vars(trainer.args)
    metrics = trainer.metrics or {}
    weights = trainer.best if Path(trainer.best).exists() else trainer.last
    return {
        "status": "done",
        **describe_model(YOLO(str(weights)), int(t_args["imgsz"])),
        **{k: t_args[k] for k in ("seed", "epochs", "imgsz", "batch")},
        "device": str(t_args["device"]),
        "device_name": device_name(trainer.device),
        "optimizer": {k: t_args[k] for k in TRAIN_SETTINGS if k in t_args},
        "settings": {k: t_args[k] for k in ("mosaic", "close_mosaic", "warmup_epochs", "nbs", "workers", "patience")},
        "wall_seconds": round(seconds + earlier, 1),
        "resumes": resumes,
        "metrics": {"mAP50": round(float(metrics.get("metrics/mAP50(B)", 0.0)), 5),
                    "mAP50-95": round(float(metrics.get("metrics/mAP50-95(B)", 0.0)), 5)},
        "weights": {"best": str(trainer.best), "best_sha256": sha256_file(weights) if weights == trainer.best else None,
                    "last": str(trainer.last)},
        **stamp(),
    }
