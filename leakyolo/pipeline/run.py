"""The pipeline as one function: plan, train, then per dataset export, sweep and measure, then finish."""

import sys
from pathlib import Path

from leakyolo.base.defaults import RUN_FOLDER

from .demo import finish
from .estimate import disk_need_gb
from leakyolo.detect.runtimes import runtime_of

from .exports import export_one, matrix_files, runtimes_one, sweep_one
from .jobs import core_groups
from .measure import measure
from .plan import Plan, announce, build_data, settle
from .profiles import PROFILES, row_imgsz, run_name
from .runner import Stages, check_disk
from .training import train_in_jobs, train_one

def pipeline(profile: str = "quick", data=None, models=None, imgsz=None, seeds=None, epochs=None, device="cpu",
             out=RUN_FOLDER, train_only=False, jobs=1):
    """Run the whole product; return the report path (the run folder with train_only).

    jobs > 1 runs that many trainings at once, each in its own process (on CPU: on its own cores).

    train_only stops after training, e.g. to train on a GPU machine and export, benchmark and report
    on the CPU the models are for: the device is not part of a stage's inputs, so the rerun there
    (same profile and out folder) reuses the trained weights. run.json records where each trained.
    """
    from leakyolo.base.offline import import_ultralytics
    from leakyolo.export.quantize import host_int8_types

    cfg, models = settle(profile, data, models, imgsz, seeds, epochs, jobs)
    slots = core_groups(jobs) if str(device) == "cpu" else [None] * jobs
    import_ultralytics("the pipeline")
    out = Path(out).resolve() / profile
    out.mkdir(parents=True, exist_ok=True)
    check_disk(out, disk_need_gb(cfg, models))
    # the report measures this CPU: INT8 types that are exact on it
    p = Plan(Stages(out), cfg, models, out, device, host_int8_types())
    announce(p, profile, jobs)
    build_data(p)
    train_in_jobs(p, profile, epochs, jobs, slots)
    if train_only:
        for ds, model, seed in p.inputs_of:
            train_one(p, ds, model, seed)
        print(f"Trained in {p.st.wall_minutes():.1f} min: {out / 'train'}. Rerun without --train-only "
              f"(same profile and --out) to export, evaluate, benchmark and report.", file=sys.stderr)
        return out
    return finish(p, profile, [f for ds in cfg["data"] for f in dataset_stages(p, ds)])


def dataset_stages(p: Plan, ds: str) -> list:
    """Train (or find trained), export, sweep and measure one dataset's rows; its result files."""
    cfg, files, arm_files = p.cfg, [], []
    trainings = [(model, seed) for d, model, seed in p.inputs_of if d == ds]  # by seed, then model

    def on_arm(model: str, seed: int) -> bool:
        """Whether a training's files go to the emulated ARM stage: one set per architecture."""
        return seed == cfg["seeds"][0] and row_imgsz(cfg, model) == cfg["imgsz"]

    for model, seed in trainings:
        exported = export_one(p, ds, model, seed, train_one(p, ds, model, seed))
        files += exported
        arm_files += exported if on_arm(model, seed) else []
    for model, seed in trainings:
        files += sweep_one(p, ds, model, seed, p.out / "train" / run_name(ds, model, seed),
                           whole=seed in cfg["seeds"][:cfg["sweep"]["seeds"]])
    for model, seed in trainings:
        made = runtimes_one(p, ds, model, seed, files)
        if on_arm(model, seed):  # and the raw head on each runtime
            arm_files += matrix_files(p, model, seed, files) + [f for f in made if runtime_of(f) == "ncnn"]
        files += made
    return measure(p, ds, files, arm_files)
