"""Estimates printed before a run: training time per dataset and row, the relative cost that orders jobs
(longest first), and the disk a run needs."""

import sys

from .profiles import base_model, recipe_epochs, row_imgsz, row_seeds, source_model

DISTILL_OVERHEAD = 1.5  # training time with a teacher / without, measured (docs/performance.md)
# Per model and epoch (incl. val) on the 2-core CPU, torch on both cores, at 320 px and the builders' default
# number of images: trees measured (5-8 s); digits the 1-thread measurement (70 s) / 1.4 (docs/performance.md).
EPOCH_SECONDS_AT_320 = {"trees": 7, "digits": 50, "shapes": 3}
DEFAULT_IMAGES = {"digits": 750}  # the builders' default n_images that EPOCH_SECONDS_AT_320 was measured with


def training_seconds(cfg: dict, ds: str) -> float:
    """Estimated seconds to train one model on dataset ds with this profile."""
    images = cfg.get("data_params", {}).get(ds, {}).get("n_images", DEFAULT_IMAGES.get(ds, 1))
    return (cfg["epochs"][ds] * EPOCH_SECONDS_AT_320.get(ds, 30) * (cfg["imgsz"] / 320) ** 2
            * images / DEFAULT_IMAGES.get(ds, 1))


def relative_cost(cfg: dict, ds: str, model: str) -> float:
    """A training's time relative to a plain training of the profile's length: recipes train `epochs` (if
    set), with a teacher if they have one, at their own input size."""
    teacher = DISTILL_OVERHEAD if source_model(model) else 1.0
    return recipe_epochs(cfg, ds, model) / cfg["epochs"][ds] * teacher * (row_imgsz(cfg, model) / cfg["imgsz"]) ** 2


def trainings_per_dataset(cfg: dict, models: list) -> int:
    """How many trainings each dataset gets: every row's seeds."""
    return sum(len(row_seeds(cfg, m)) for m in models)


def plan(cfg: dict, models: list) -> float:
    """Print the plan; return the estimated CPU seconds."""
    total = 0.0
    for ds in cfg["data"]:
        epochs = cfg["epochs"][ds]
        seconds = training_seconds(cfg, ds) * sum(relative_cost(cfg, ds, m) * len(row_seeds(cfg, m)) for m in models)
        total += seconds + 120
        runs = trainings_per_dataset(cfg, models)
        print(f"  {ds}: {runs} trainings ({len(models)} models, {len(cfg['seeds'])} seed(s)), {epochs} epochs at "
              f"{cfg['imgsz']} px (~{seconds / 60:.0f} min training on this CPU)", file=sys.stderr)
    return total + 60


def disk_need_gb(cfg: dict, models: list) -> float:
    """Disk the run needs, with margin: the full profile's 18 trainings, their exports and sweeps took 0.93 GiB."""
    return round(0.5 + 0.1 * trainings_per_dataset(cfg, models) * len(cfg["data"]), 1)


def training_cost(cfg: dict, models: list) -> dict:
    """(dataset, model) -> relative training cost: estimated training seconds x the model's GFLOPs."""
    from ultralytics import YOLO

    from leakyolo.models.census import params_and_gflops
    from leakyolo.models.registry import model_yaml

    size = f"gflops@{cfg['imgsz']}"
    gflops = {m: params_and_gflops(YOLO(model_yaml(base_model(m))).model, (cfg["imgsz"],))[size] for m in models}
    return {(ds, m): training_seconds(cfg, ds) * gflops[m] * relative_cost(cfg, ds, m)
            for ds in cfg["data"] for m in models}
