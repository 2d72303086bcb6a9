"""Estimates printed before a run: each training's time on this CPU (its model's forward + backward pass
measured here, times the images it sees), which also orders the jobs (longest first), and the disk a run needs."""

import functools
import os
import sys
import time

from .profiles import base_model, recipe_epochs, row_imgsz, row_seeds, source_model

DISTILL_OVERHEAD = 1.5  # training time with a teacher / without, measured (docs/performance.md)
# A training epoch (augmentation, loss, optimizer step, validation) over the forward + backward time of its images,
# measured for leakyolo26-nrep on the AVX2 EPYC, two trainings at once (docs/performance.md "Estimates").
STEP_OVERHEAD = 0.83
PROBE_BATCH = 8
TREES_IMAGES_AT_320 = 128  # the tiles of the pinned DeepForest photos at 320 px (104 train + 24 val)


def images_per_epoch(cfg: dict, ds: str) -> float:
    """Images one epoch trains and validates on: digits and shapes their n_images, trees the tiles at this size."""
    if ds == "trees":
        return TREES_IMAGES_AT_320 * (320 / cfg["imgsz"]) ** 2
    from leakyolo.datasets.registry import BUILDERS

    return cfg.get("data_params", {}).get(ds, {}).get("n_images", BUILDERS[ds][0].DEFAULTS["n_images"])


@functools.lru_cache(maxsize=None)
def image_seconds(model: str, imgsz: int, threads: int) -> float:
    """Seconds of one image's training forward + backward pass of a registered model on this CPU with `threads`
    torch threads: the faster of 2 steps on a random batch of PROBE_BATCH images, after one to warm up."""
    import torch
    from ultralytics import YOLO

    from leakyolo.models.registry import model_yaml

    net, before = YOLO(model_yaml(model)).model.train(), torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            sum(t.sum() for t in tensors(net(torch.rand(PROBE_BATCH, 3, imgsz, imgsz)))).backward()
            times.append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(before)
    return min(times[1:]) / PROBE_BATCH


def tensors(out) -> list:
    """Every tensor in a model's (nested) training output."""
    if isinstance(out, dict):
        out = list(out.values())
    return [t for o in out for t in tensors(o)] if isinstance(out, (list, tuple)) else [out]


def training_seconds(cfg: dict, ds: str, model: str, threads: int) -> float:
    """Estimated seconds of one pipeline row's training on dataset ds here: its epochs (a recipe's own), its
    training size, its base model's measured step time, a teacher's overhead."""
    teacher = DISTILL_OVERHEAD if source_model(model) else 1.0
    return (recipe_epochs(cfg, ds, model) * images_per_epoch(cfg, ds) * STEP_OVERHEAD * teacher
            * image_seconds(base_model(model), row_imgsz(cfg, model), threads))


def trainings_per_dataset(cfg: dict, models: list) -> int:
    """How many trainings each dataset gets: every row's seeds."""
    return sum(len(row_seeds(cfg, m)) for m in models)


def plan(cfg: dict, models: list, jobs: int, device: str = "cpu") -> float:
    """Print each dataset's trainings and their estimated time here; return the run's estimated wall seconds
    (trainings `jobs` at a time, each on its share of the cores, plus export, sweep and benchmarks). Trainings
    on another device than the CPU are not estimated."""
    threads, on_cpu = cores_per_job(jobs), str(device) == "cpu"
    if on_cpu:
        print(f"  timing a training step of each model on {threads} core(s) for the estimate ...", file=sys.stderr)
    total = 0.0
    for ds in cfg["data"]:
        seconds = (sum(training_seconds(cfg, ds, m, threads) * len(row_seeds(cfg, m)) for m in models) / jobs
                   if on_cpu else 0.0)
        total += seconds + 120
        where = (f"~{seconds / 60:.0f} min of training here, {jobs} at a time on {threads} core(s) each" if on_cpu
                 else f"training on device {device}: not estimated")
        print(f"  {ds}: {trainings_per_dataset(cfg, models)} trainings ({len(models)} models, {len(cfg['seeds'])} "
              f"seed(s)), {cfg['epochs'][ds]} epochs at {cfg['imgsz']} px ({where})", file=sys.stderr)
    return total + 60


def cores_per_job(jobs: int) -> int:
    """The torch threads each training gets: its share of the cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)) // jobs)


def disk_need_gb(cfg: dict, models: list) -> float:
    """Disk the run needs, with margin: the full profile's 18 trainings, their exports and sweeps took 0.93 GiB."""
    return round(0.5 + 0.1 * trainings_per_dataset(cfg, models) * len(cfg["data"]), 1)


def training_cost(cfg: dict, models: list, jobs: int) -> dict:
    """(dataset, model) -> estimated training seconds of one seed here (orders the jobs, longest first)."""
    return {(ds, m): training_seconds(cfg, ds, m, cores_per_job(jobs)) for ds in cfg["data"] for m in models}
