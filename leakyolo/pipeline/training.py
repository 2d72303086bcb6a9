"""Training stages: one per dataset, model and seed, resumable; `--jobs N` runs N of them side by side."""

import json
import shutil
import sys
from pathlib import Path

from leakyolo.base.provenance import write_json

from .estimate import cores_per_job, training_cost, training_seconds
from .jobs import run_jobs
from .plan import Plan, inputs, source_weights
from .profiles import RECIPES, base_model, recipe_epochs, row_imgsz, run_name, source_model
from .runner import Stages


def train_stage(st: Stages, run_dir: Path, stage_inputs: dict, fit, opts) -> str:
    """fit(opts) (a bound train or convert) into run_dir, resuming a half-trained run made with the same
    inputs; start over if the inputs changed."""
    from leakyolo.models.train import train

    marker = run_dir / "pipeline-inputs.json"
    last = run_dir / "weights" / "last.pt"
    if last.is_file() and marker.is_file() and json.loads(marker.read_text()) == json.loads(json.dumps(stage_inputs)):
        st.say(f"resuming {run_dir.name} from {last}")
        return str(train(None, None, resume=run_dir))
    if run_dir.exists():
        shutil.rmtree(run_dir)
    write_json(marker, stage_inputs)
    mark = {"on_pretrain_routine_start": lambda tr: write_json(Path(tr.save_dir) / marker.name, stage_inputs)}
    return str(fit(opts.but(project=run_dir.parent, name=run_dir.name, callbacks=mark, exist_ok=True)))


def train_in_jobs(p: Plan, profile: str, epochs, jobs: int, slots: list) -> None:
    """Trainings not yet done, `jobs` at a time in child processes (longest first)."""
    cfg = p.cfg
    todo = [key for key in p.inputs_of if not p.st.is_done(f"train-{run_name(*key)}", inputs(p, *key))]
    started = {key: epochs_done(p, *key) for key in todo}
    if str(p.device) == "cpu" and (len(todo) < len(p.inputs_of) or any(started.values())):
        threads = cores_per_job(jobs)
        left = sum(training_seconds(cfg, ds, m, threads) * (1 - done / recipe_epochs(cfg, ds, m))
                   for (ds, m, _), done in started.items()) / jobs
        print(f"  {len(p.inputs_of) - len(todo)} of {len(p.inputs_of)} trainings done, "
              f"{sum(map(bool, started.values()))} part-way: ~{left / 60:.0f} min of training left here", file=sys.stderr)
    if jobs <= 1:
        return
    common = ["pipeline", "--profile", profile, "--out", str(p.out.parent), "--imgsz", str(cfg["imgsz"]),
              "--device", str(p.device), "--train-only"] + (["--epochs", str(epochs)] if epochs else [])
    cost = training_cost(cfg, p.models, jobs) if todo else {}
    todo.sort(key=lambda key: -cost[key[:2]])  # longest first: every slot stays busy to the end
    run_jobs(p.st, [(f"train-{run_name(ds, model, seed)}", common + ["--data", ds, "--models", model,
                                                                    "--seeds", str(seed)],
                     {f"train-{run_name(ds, source_model(model), seed)}"} if source_model(model) else set())
                    for ds, model, seed in todo], slots)


def epochs_done(p: Plan, ds: str, model: str, seed: int) -> int:
    """Epochs a training's run folder has finished (it resumes after them)."""
    results = p.out / "train" / run_name(ds, model, seed) / "results.csv"
    return max(0, len(results.read_text().splitlines()) - 1) if results.is_file() else 0


def train_one(p: Plan, ds: str, model: str, seed: int) -> Path:
    """The training stage of one dataset, model and seed; its run folder."""
    from leakyolo.models.convert import convert
    from leakyolo.models.options import TrainOptions
    from leakyolo.models.train import train

    run_dir = p.out / "train" / run_name(ds, model, seed)
    stage_inputs, recipe = inputs(p, ds, model, seed), RECIPES.get(model, {})
    opts = TrainOptions(epochs=recipe_epochs(p.cfg, ds, model), imgsz=row_imgsz(p.cfg, model), seed=seed,
                        device=p.device, workers=2).but(**{**p.cfg["train"], **recipe.get("train", {})})
    if "imgsz" in recipe:  # named for its size in run.json, model cards and reports
        opts = opts.but(record_extra={"model": model})
    if "teacher" in recipe:
        opts = opts.but(teacher=source_weights(p, ds, model, seed), dis=recipe["dis"])
    if "convert" in recipe:
        source = source_weights(p, ds, model, seed)
        fit = lambda o: convert(source, p.data_yamls[ds], o)  # noqa: E731
    else:
        fit = lambda o: train(base_model(model), p.data_yamls[ds], o)  # noqa: E731
    p.st.run(f"train-{run_name(ds, model, seed)}", stage_inputs, [run_dir / "weights" / "best.pt"],
             lambda: train_stage(p.st, run_dir, stage_inputs, fit, opts))
    return run_dir
