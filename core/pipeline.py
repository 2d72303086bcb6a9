"""`leakyolo pipeline`: data -> train (identical budgets) -> export FP32 + INT8 -> eval -> bench ->
report -> demo video. Every stage is resumable; rerunning after Ctrl-C continues where it stopped."""

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from leakyolo.base.defaults import BASELINE as BASELINE_MODEL
from leakyolo.base import defaults
from leakyolo.base.defaults import CALIB_IMAGES, IMGSZ, PRODUCT
from leakyolo.detect.model_file import file_name

from .base.errors import UserError
from .base.provenance import sha256_file, write_json
from .jobs import core_groups, run_jobs
from .stages import Stages, check_disk

MODELS = ["leakyolo-n", "yolo26n-leaky", "yolo26n"]
DISTILLED, CONVERTED = PRODUCT + defaults.DISTILLED, BASELINE_MODEL + defaults.CONVERTED
SMALL_BASELINE = f"{BASELINE_MODEL}{defaults.TRAINED_AT}256"
# Rows made from another row's trained checkpoint of the same dataset and seed (its hash is a stage input):
# LeakYOLO-n distilled from YOLO26n (dis 1.5 beat Ultralytics' default 6 at the quick budget,
# docs/performance.md), and YOLO26n converted to Leaky ReLU, fine-tuned `epochs` on top of its own training
# with the fine-tune schedule (`train` overrides the profile's settings).
# And YOLO26n trained at 256 px (first seed): the sweep runs the 320-px YOLO26n at 256, below its training
# size, near LeakYOLO-n INT8's latency; this row is that point trained fairly (the frontier shows both).
RECIPES = {DISTILLED: {"model": PRODUCT, "teacher": BASELINE_MODEL, "dis": 1.5},
           CONVERTED: {"model": BASELINE_MODEL, "convert": BASELINE_MODEL, "epochs": 10,
                       "train": defaults.FINE_TUNE},
           SMALL_BASELINE: {"model": BASELINE_MODEL, "imgsz": 256, "seeds": 1}}
DISTILL_OVERHEAD = 1.5  # training time with a teacher / without, measured (docs/performance.md)
# Identical for every model within a profile. nbs = batch: Ultralytics' default nominal batch of 64
# accumulates gradients over 64/batch batches, i.e. 8x fewer optimizer steps at batch 8, which on
# these small sets and budgets slowed learning ~2x (measured, docs/performance.md). Quick also
# turns mosaic off and shortens warmup: at a few minutes per model mosaic leaves too few learnable
# iterations (measured on shapes and trees). Full trains LeakYOLO-n and YOLO26n (the baseline the
# targets name), then the two recipe rows from that seed's YOLO26n: about 3 h of training on a 2-core
# CPU with --jobs 2, plus about 1 h of sweep, eval and bench (docs/performance.md). The activation-swap
# ablation (--models ...,yolo26n-leaky) and longer schedules (--epochs) cost hours more.
# sweep: the speed-accuracy frontier's input sizes (the training size and `steps` sizes below it, `step` px
# apart: 192, 256, 320 in full), both heads, on the first `seeds` seeds: each point is a gated FP32 + INT8
# export (about a minute each at 320 on digits here).
PROFILES = {
    "quick": {"data": ["digits"], "models": MODELS, "imgsz": 160, "epochs": {"trees": 30, "digits": 16, "shapes": 30},
              "seeds": [0], "sweep": {"step": 32, "steps": 1, "seeds": 1},
              "train": {"batch": 8, "nbs": 8, "mosaic": 0.0, "close_mosaic": 0, "warmup_epochs": 1},
              "bench": {"threads": [1, 2], "warmup": 10, "runs": 100}, "calib_images": CALIB_IMAGES,
              "note": "quick budget: illustrative, not a comparison (one seed, a few minutes of CPU training "
                      "per model, far from convergence)"},
    "full": {"data": ["trees", "digits"], "models": [PRODUCT, BASELINE_MODEL, DISTILLED, CONVERTED, SMALL_BASELINE],
             "imgsz": IMGSZ,
             "epochs": {"trees": 30, "digits": 30, "shapes": 100},
             "seeds": [0, 1], "sweep": {"step": 64, "steps": 2, "seeds": 1}, "train": {"batch": 16, "nbs": 16},
             "bench": {"threads": [1, 2], "warmup": 20, "runs": 200}, "calib_images": CALIB_IMAGES,
             "note": "full budget (trees 30 / digits 30 epochs at 320 px, 2 seeds): same data, epochs, optimizer "
                     "and evaluator for every model; mean ± std over seeds"},
    # Trained to a plateau (docs/performance.md): 2400 train / 600 val digits images at 160 px, 60 epochs
    # (9000 SGD steps), 3 seeds. Measured side by side on 1 core each: ~50 s per epoch (YOLO26n) and ~35 s
    # (LeakYOLO-n), so the 9 trainings take ~3.5 h with --jobs 2.
    "converged": {"data": ["digits"], "data_params": {"digits": {"n_images": 3000}},
                  "models": [PRODUCT, "yolo26n-leaky", BASELINE_MODEL], "imgsz": 160, "epochs": {"digits": 60},
                  "seeds": [0, 1, 2], "sweep": {"step": 32, "steps": 2, "seeds": 3}, "train": {"batch": 16, "nbs": 16},
                  "bench": {"threads": [1, 2], "warmup": 20, "runs": 200}, "calib_images": CALIB_IMAGES,
                  "note": "converged budget (digits, 2400 train images at 160 px, 60 epochs, 3 seeds): same data, "
                          "epochs, optimizer and evaluator for every model; mean ± std over seeds"},
}
ARM_CORES = ("cortex-a72", "cortex-a76")
WHY_U8S7 = "; 7-bit weights: this x86 CPU has no VNNI and its u8s8 kernels saturate, docs/performance.md"
# Per model and epoch (incl. val) on the 2-core CPU, full settings, torch on both cores: trees measured
# (5-8 s); digits is the 1-thread measurement (70 s) divided by the 1.4x that the second thread gave on trees.
EPOCH_SECONDS_AT_320 = {"trees": 7, "digits": 50, "shapes": 3}
DEFAULT_IMAGES = {"digits": 750}  # the builders' default n_images that EPOCH_SECONDS_AT_320 was measured with


def run_name(dataset: str, model: str, seed: int) -> str:
    """One training's name: its run folder under train/ and, prefixed with train-, its stage."""
    return f"{dataset}-{model}-s{seed}"


def val_images(data_yaml: str) -> list:
    """The val split's images of a dataset (bench, ARM and demo inputs)."""
    from leakyolo.datasets.validate import images_of

    return images_of(data_yaml, "val")


def first_val_image(data_yaml: str) -> Path:
    """A held-out image of one of our datasets (bench and ARM inputs)."""
    return val_images(data_yaml)[0]


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


def row_imgsz(cfg: dict, model: str) -> int:
    """A row's training (and main export) input size: the profile's, or a recipe's own."""
    return RECIPES.get(model, {}).get("imgsz", cfg["imgsz"])


def row_seeds(cfg: dict, model: str) -> list:
    """The seeds a row trains: the profile's, or a recipe's first few."""
    return cfg["seeds"][:RECIPES.get(model, {}).get("seeds", len(cfg["seeds"]))]


def recipe_epochs(cfg: dict, ds: str, model: str) -> int:
    """A row's training epochs: the profile's, or a recipe's own (a conversion's fine-tune) up to them."""
    return min(RECIPES.get(model, {}).get("epochs", cfg["epochs"][ds]), cfg["epochs"][ds])


def base_model(model: str) -> str:
    """The registered model a pipeline row trains (a recipe's student or converted model)."""
    return RECIPES[model]["model"] if model in RECIPES else model


def source_model(model: str):
    """The row whose trained checkpoint a recipe starts from (its teacher), None for a plain training."""
    recipe = RECIPES.get(model, {})
    return recipe.get("teacher") or recipe.get("convert")


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


def train_stage(st: Stages, run_dir: Path, inputs: dict, fit, kwargs: dict) -> str:
    """fit(**kwargs) (train or convert) into run_dir, resuming a half-trained run made with the same inputs;
    start over if inputs changed."""
    from leakyolo.models.train import train

    marker = run_dir / "pipeline-inputs.json"
    last = run_dir / "weights" / "last.pt"
    if last.is_file() and marker.is_file() and json.loads(marker.read_text()) == json.loads(json.dumps(inputs)):
        st.say(f"resuming {run_dir.name} from {last}")
        return str(train(kwargs.get("model"), kwargs["data"], resume=run_dir))
    if run_dir.exists():
        shutil.rmtree(run_dir)
    write_json(marker, inputs)
    done = fit(**kwargs, project=run_dir.parent, name=run_dir.name, exist_ok=True,
               callbacks={"on_pretrain_routine_start": lambda tr: write_json(Path(tr.save_dir) / marker.name,
                                                                            inputs)})
    return str(done)


def demo_video(dataset_yaml: str, model: Path, out: Path) -> list:
    """An annotated video made by `detect` on held-out (val) frames."""
    from leakyolo.detect import cli as detect_cli
    from leakyolo.detect.preprocess import letterbox

    images = val_images(dataset_yaml)[:48]
    if not images:
        raise UserError(f"no val images next to {dataset_yaml} for the demo video")
    source = out / "demo-source.mp4"
    tmp = out / ".demo-source.partial.mp4"
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), 2, (640, 640))
    for p in images:
        frame = cv2.imread(str(p))
        writer.write(cv2.resize(letterbox(frame, (320, 320))[0], (640, 640), interpolation=cv2.INTER_LINEAR))
    writer.release()
    tmp.replace(source)
    demo, jsonl = out / "demo.mp4", out / "demo.jsonl"
    args = detect_cli.build_parser().parse_args(["--source", str(source), "--model", str(model), "--save", str(demo),
                                                 "--json", str(jsonl), "--threads", "2"])
    detect_cli.run(args)
    return [str(demo), str(jsonl), str(source)]


def headline(out: Path, dataset: str, imgsz: int) -> str:
    """The main exports (NMS-free, training size): mAP and 1-thread latency, from this run's results."""
    evals = json.loads((out / "results" / f"eval-{dataset}.json").read_text())["models"]
    bench = json.loads((out / "results" / f"bench-{dataset}.json").read_text())["models"]
    lat = {m["sha256"]: m["results"].get("1", {}).get("model_only", {}).get("p50") for m in bench}
    lines = [f"{'model':<40}{'mAP50-95':>9}{'mAP50':>8}{'p50 ms (1 thr)':>16}"]
    for m in evals:
        if m["imgsz"] == imgsz and m["card"].get("head", "nms-free") == "nms-free":
            lines.append(f"{m['file']:<40}{m['mAP50-95']:>9.3f}{m['mAP50']:>8.3f}{lat.get(m['sha256']) or 0:>16.2f}")
    return "\n".join(lines)


@dataclass
class Plan:
    """One pipeline run: its settings, stages and what earlier steps produced."""

    st: Stages
    cfg: dict
    models: list
    out: Path
    device: str
    int8_types: str
    data_yamls: dict = field(default_factory=dict)
    inputs_of: dict = field(default_factory=dict)


def settle(profile: str, data, models, imgsz, seeds, epochs, jobs: int) -> tuple:
    """The profile's settings with the caller's overrides, checked; (cfg, models)."""
    from leakyolo.models.registry import spec

    if profile not in PROFILES:
        raise UserError(f"unknown profile '{profile}': choose {', '.join(PROFILES)}")
    cfg = json.loads(json.dumps(PROFILES[profile]))
    models = list(models or cfg["models"])
    for m in models:
        if m not in RECIPES:
            spec(m)
        elif source_model(m) and source_model(m) not in models:  # a recipe needs its source row, trained first
            models.insert(models.index(m), source_model(m))
    if jobs < 1:
        raise UserError(f"--jobs {jobs}: pass 1 or more")
    cfg["data"] = data or cfg["data"]
    cfg["imgsz"] = imgsz or cfg["imgsz"]
    cfg["seeds"] = seeds if seeds is not None else cfg["seeds"]
    if epochs:
        cfg["epochs"] = {ds: epochs for ds in cfg["data"]}
    for m in [m for m in models if "imgsz" in RECIPES.get(m, {}) and row_imgsz(cfg, m) >= cfg["imgsz"]]:
        print(f"  {m} left out: the profile itself trains at {cfg['imgsz']} px", file=sys.stderr)
        models.remove(m)
    return cfg, models


def announce(p: Plan, profile: str, jobs: int) -> None:
    """The plan and its estimate, before anything runs."""
    print(f"LeakYOLO pipeline, profile '{profile}' -> {p.out}", file=sys.stderr)
    estimate = plan(p.cfg, p.models)
    why = WHY_U8S7 if p.int8_types == "u8s7" else ""
    print(f"  models: {', '.join(p.models)}; export FP32 + INT8 {p.int8_types} (gated{why}); eval; "
          f"bench {p.cfg['bench']['threads']} threads; emulated ARM check (first dataset and seed); report; demo video\n"
          f"  speed-accuracy sweep: sizes {', '.join(map(str, sweep_sizes(p.cfg)))} x NMS-free and raw heads, FP32 + "
          f"INT8, first {p.cfg['sweep']['seeds']} seed(s)\n"
          f"  estimated time: ~{estimate / 60:.0f} min on a 2-core CPU"
          f"{f' in one job; --jobs {jobs}: {jobs} trainings at a time' if jobs > 1 else ''}", file=sys.stderr)


def build_data(p: Plan) -> None:
    """Build each dataset (a stage) and settle every training's stage inputs."""
    from leakyolo.datasets import build
    from leakyolo.models.registry import model_digest

    cfg = p.cfg
    params = {ds: cfg.get("data_params", {}).get(ds, {}) for ds in cfg["data"]}  # the builder's, e.g. n_images
    p.data_yamls = {ds: p.st.run(f"data-{ds}", {"name": ds, "imgsz": cfg["imgsz"], **params[ds]}, lambda r: [r],
                                 lambda ds=ds: str(build(ds, imgsz=cfg["imgsz"], **params[ds]))) for ds in cfg["data"]}
    content = {ds: json.loads((Path(y).parent / "dataset.json").read_text())["content_sha256"]
               for ds, y in p.data_yamls.items()}
    digest = {model: model_digest(base_model(model)) for model in p.models}
    p.inputs_of = {(ds, model, seed): {
        "model": model, "model_yaml": digest[model], "imgsz": row_imgsz(cfg, model),
        "epochs": recipe_epochs(cfg, ds, model), "seed": seed, "data": content[ds], **cfg["train"],
        **({"recipe": RECIPES[model]} if model in RECIPES else {})}
        for ds in cfg["data"] for seed in cfg["seeds"] for model in p.models if seed in row_seeds(cfg, model)}


def source_weights(p: Plan, ds: str, model: str, seed: int):
    """The trained checkpoint a recipe row starts from (None for plain rows)."""
    source = source_model(model)
    return source and p.out / "train" / run_name(ds, source, seed) / "weights" / "best.pt"


def inputs(p: Plan, ds: str, model: str, seed: int) -> dict:
    """A training's stage inputs; a recipe's include its source checkpoint's hash (None until trained),
    so a retrained teacher retrains its students."""
    weights = source_weights(p, ds, model, seed)
    if weights is None:
        return p.inputs_of[ds, model, seed]
    return {**p.inputs_of[ds, model, seed], "source_sha256": sha256_file(weights) if weights.is_file() else None}


def train_in_jobs(p: Plan, profile: str, epochs, jobs: int, slots: list) -> None:
    """Trainings not yet done, `jobs` at a time in child processes (longest first)."""
    cfg = p.cfg
    todo = [key for key in p.inputs_of if not p.st.is_done(f"train-{run_name(*key)}", inputs(p, *key))]
    if len(todo) < len(p.inputs_of):
        left = sum(training_seconds(cfg, ds) * relative_cost(cfg, ds, m) for ds, m, _ in todo)
        print(f"  {len(p.inputs_of) - len(todo)} of {len(p.inputs_of)} trainings already done: ~{left / 60:.0f} min "
              f"of training left", file=sys.stderr)
    if jobs <= 1:
        return
    common = ["pipeline", "--profile", profile, "--out", str(p.out.parent), "--imgsz", str(cfg["imgsz"]),
              "--device", str(p.device), "--train-only"] + (["--epochs", str(epochs)] if epochs else [])
    cost = training_cost(cfg, p.models) if todo else {}
    todo.sort(key=lambda key: -cost[key[:2]])  # longest first: every slot stays busy to the end
    run_jobs(p.st, [(f"train-{run_name(ds, model, seed)}", common + ["--data", ds, "--models", model,
                                                                    "--seeds", str(seed)],
                     {f"train-{run_name(ds, source_model(model), seed)}"} if source_model(model) else set())
                    for ds, model, seed in todo], slots)


def train_one(p: Plan, ds: str, model: str, seed: int) -> Path:
    """The training stage of one dataset, model and seed; its run folder."""
    from leakyolo.models.convert import convert
    from leakyolo.models.train import train

    run_dir = p.out / "train" / run_name(ds, model, seed)
    stage_inputs, recipe = inputs(p, ds, model, seed), RECIPES.get(model, {})
    kwargs = dict(data=p.data_yamls[ds], epochs=recipe_epochs(p.cfg, ds, model), imgsz=row_imgsz(p.cfg, model),
                  seed=seed, device=p.device, workers=2, **{**p.cfg["train"], **recipe.get("train", {})})
    if "convert" in recipe:
        fit, kwargs["checkpoint"] = convert, source_weights(p, ds, model, seed)
    else:
        fit, kwargs["model"] = train, base_model(model)
    if "imgsz" in recipe:  # named for its size in run.json, model cards and reports
        kwargs["record_extra"] = {"model": model}
    if "teacher" in recipe:
        kwargs.update(teacher=source_weights(p, ds, model, seed), dis=recipe["dis"])
    p.st.run(f"train-{run_name(ds, model, seed)}", stage_inputs, [run_dir / "weights" / "best.pt"],
             lambda: train_stage(p.st, run_dir, stage_inputs, fit, kwargs))
    return run_dir


def export_one(p: Plan, ds: str, model: str, seed: int, run_dir: Path) -> list:
    """The export stage of one trained model: FP32 + INT8 (+ Ultralytics' INT8 for YOLO26n); the files."""
    from leakyolo.export.exporter import export

    cfg, baseline, imgsz = p.cfg, model == BASELINE_MODEL, row_imgsz(p.cfg, model)
    weights = run_dir / "weights" / "best.pt"
    inputs = {"weights": sha256_file(weights), "imgsz": imgsz, "calib": cfg["calib_images"],
              "ultralytics_int8": baseline, "calib_method": "auto", "types": p.int8_types}
    return p.st.run(f"export-{run_name(ds, model, seed)}", inputs, lambda r: r, lambda: [str(f) for f in export(
        run_dir, imgsz=imgsz, int8=True, calib_images=cfg["calib_images"], out=p.out / "onnx" / ds,
        calib_method="auto", types=p.int8_types, name=f"{model}-s{seed}", with_ultralytics_int8=baseline,
        int8_required=False)])


def sweep_sizes(cfg: dict) -> list:
    """The sweep's input sizes: the training size and `steps` sizes below it, `step` px apart (a multiple of
    the models' stride, 32), none under 64 px."""
    sizes = (cfg["imgsz"] - cfg["sweep"]["step"] * k for k in range(cfg["sweep"]["steps"], -1, -1))
    return [s for s in sizes if s >= 64]


def sweep_one(p: Plan, ds: str, model: str, seed: int, run_dir: Path, whole: bool) -> list:
    """The speed-accuracy sweep of one trained model: every size x head but the main export (whole), else
    only the raw head at the training size (the raw-head accuracy target counts every seed; a row trained at
    its own size only adds that). One stage per point: a rerun skips finished points; an INT8 that fails its
    gate at one point leaves only the FP32."""
    from leakyolo.export.exporter import export
    from leakyolo.export.sweep import HEADS

    cfg, files, imgsz = p.cfg, [], row_imgsz(p.cfg, model)
    weights = sha256_file(run_dir / "weights" / "best.pt")
    whole = whole and imgsz == cfg["imgsz"]
    points = [(size, head) for size in sweep_sizes(cfg) for head in HEADS] if whole else [(imgsz, "raw")]
    for size, head in points:
        if (size, head) == (imgsz, "nms-free"):  # the main export
            continue
        inputs = {"weights": weights, "imgsz": size, "head": head, "calib": cfg["calib_images"],
                  "calib_method": "auto", "types": p.int8_types}
        files += p.st.run(f"sweep-{run_name(ds, model, seed)}-{size}-{head}", inputs, lambda r: r,
                          lambda size=size, head=head: [str(f) for f in export(
                              run_dir, imgsz=size, raw=HEADS[head], int8=True, calib_images=cfg["calib_images"],
                              out=p.out / "onnx" / ds, calib_method="auto", types=p.int8_types,
                              name=f"{model}-s{seed}", int8_required=False)])
    return files


def measure(p: Plan, ds: str, files: list, first_seed_files: list) -> list:
    """Eval and bench stages of one dataset's files (+ emulated ARM on the first dataset); result files."""
    from leakyolo.compare.bench import SCHEMA as BENCH_SCHEMA
    from leakyolo.compare.bench import bench
    from leakyolo.compare.evaluate import evaluate

    data_yaml = p.data_yamls[ds]
    hashes = {Path(f).name: sha256_file(f) for f in files}
    eval_json, bench_json = p.out / "results" / f"eval-{ds}.json", p.out / "results" / f"bench-{ds}.json"
    p.st.run(f"eval-{ds}", {"files": hashes}, [eval_json],
             lambda: str(write_json(eval_json, evaluate(files, data_yaml))))
    p.st.run(f"bench-{ds}", {"files": hashes, **p.cfg["bench"], "method": BENCH_SCHEMA}, [bench_json],
             lambda: str(write_json(bench_json, bench(files, **p.cfg["bench"], image=first_val_image(data_yaml)))))
    results = [eval_json, bench_json]
    if ds == p.cfg["data"][0]:
        results += emulated_arm(p, ds, {Path(f).name: hashes[Path(f).name] for f in first_seed_files},
                                first_seed_files)
    return results


def emulated_arm(p: Plan, ds: str, hashes: dict, files: list) -> list:
    """The emulated ARM stage, on the first dataset and seed only: instruction counts follow the
    architecture and precision, not the weights, and emulation at 320 px takes minutes per file."""
    from leakyolo.compare.arm import SCHEMA as ARM_SCHEMA
    from leakyolo.compare.arm import arm_check

    if not files:
        return []
    if not shutil.which("qemu-aarch64"):
        p.st.say("arm: qemu-aarch64 not found (apt-get install qemu-user): emulated ARM check skipped")
        return []
    arm_json = p.out / "results" / f"arm-{ds}.json"
    p.st.run(f"arm-{ds}", {"files": hashes, "cores": ARM_CORES, "method": ARM_SCHEMA}, [arm_json],
             lambda: str(write_json(arm_json, arm_check(files, ARM_CORES, image=first_val_image(p.data_yamls[ds])))))
    return [arm_json]


def finish(p: Plan, profile: str, result_files: list) -> Path:
    """Report, demo video and the closing summary; the report path."""
    from leakyolo.compare.report import report

    cfg, out = p.cfg, p.out
    report_dir = out / "report"
    p.st.run("report", {"results": {f.name: sha256_file(f) for f in result_files}}, [report_dir / "report.md"],
             lambda: str(report(result_files, report_dir, title=f"LeakYOLO vs YOLO26 ({profile} profile)",
                                note=cfg["note"])))
    first, lead_name, lead_size = cfg["data"][0], f"{p.models[0]}-s{cfg['seeds'][0]}", row_imgsz(cfg, p.models[0])
    lead = out / "onnx" / first / file_name(lead_name, lead_size, False, "int8")
    if not lead.is_file():  # its INT8 failed the accuracy gate: show the FP32 model
        lead = lead.with_name(file_name(lead_name, lead_size, False, "fp32"))
    demo = p.st.run("demo", {"model": sha256_file(lead)}, lambda r: r,
                    lambda: demo_video(p.data_yamls[first], lead, out))
    print(f"\nDone in {p.st.wall_minutes():.1f} min. Stage times (s): {json.dumps(p.st.timings)}",
          file=sys.stderr)
    print(f"ONNX files and model cards: {out / 'onnx'}\nreport: {report_dir / 'report.md'} and report.html\n"
          f"demo video: {demo[0]}\n\n{headline(out, first, cfg['imgsz'])}\n\n"
          f"Try it: detect --source camera --model {lead}\n"
          f"    or: detect --source {demo[2]} --model {lead} --show", file=sys.stderr)
    return report_dir / "report.md"


def pipeline(profile: str = "quick", data=None, models=None, imgsz=None, seeds=None, epochs=None, device="cpu",
             out="runs/pipeline", train_only=False, jobs=1):
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
    result_files = []
    for ds in cfg["data"]:
        files, first_seed_files = [], []
        trainings = [(model, seed) for d, model, seed in p.inputs_of if d == ds]  # by seed, then model
        for model, seed in trainings:
            run_dir = train_one(p, ds, model, seed)
            if not train_only:
                exported = export_one(p, ds, model, seed, run_dir)
                files += exported
                main_size = row_imgsz(cfg, model) == cfg["imgsz"]  # ARM: one file per architecture
                first_seed_files += exported if seed == cfg["seeds"][0] and main_size else []
        for model, seed in ([] if train_only else trainings):
            files += sweep_one(p, ds, model, seed, p.out / "train" / run_name(ds, model, seed),
                               whole=seed in cfg["seeds"][:cfg["sweep"]["seeds"]])
        if not train_only:
            result_files += measure(p, ds, files, first_seed_files)
    if train_only:
        print(f"Trained in {p.st.wall_minutes():.1f} min: {out / 'train'}. Rerun without --train-only "
              f"(same profile and --out) to export, evaluate, benchmark and report.", file=sys.stderr)
        return out
    return finish(p, profile, result_files)
