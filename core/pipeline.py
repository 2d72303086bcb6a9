"""`leakyolo pipeline`: data -> train (identical budgets) -> export FP32 + INT8 -> eval -> bench ->
report -> demo video. Every stage is resumable; rerunning after Ctrl-C continues where it stopped."""

import json
import shutil
import sys
from pathlib import Path

import cv2

from .errors import UserError
from .jobs import core_groups, run_jobs
from .provenance import sha256_file, write_json
from .stages import Stages, check_disk

MODELS = ["leakyolo-n", "yolo26n-leaky", "yolo26n"]
# Identical for every model within a profile. nbs = batch: Ultralytics' default nominal batch of 64
# accumulates gradients over 64/batch batches, i.e. 8x fewer optimizer steps at batch 8, which on
# these small sets and budgets slowed learning ~2x (measured, docs/performance.md). Quick also
# turns mosaic off and shortens warmup: at a few minutes per model mosaic leaves too few learnable
# iterations (measured on shapes and trees). Full is sized to finish in one sitting of about 2 h
# on a 2-core CPU with --jobs 2: LeakYOLO-n against YOLO26n, the baseline the
# targets name. The activation-swap ablation (--models ...,yolo26n-leaky) and longer schedules
# (--epochs) cost hours more; at 60 digits epochs the gap to YOLO26n was smaller (docs/performance.md).
PROFILES = {
    "quick": {"data": ["digits"], "models": MODELS, "imgsz": 160, "epochs": {"trees": 30, "digits": 16, "shapes": 30},
              "seeds": [0],
              "train": {"batch": 8, "nbs": 8, "mosaic": 0.0, "close_mosaic": 0, "warmup_epochs": 1},
              "bench": {"threads": [1, 2], "warmup": 10, "runs": 100}, "calib_images": 300,
              "note": "quick budget: illustrative, not a comparison (one seed, a few minutes of CPU training "
                      "per model, far from convergence)"},
    "full": {"data": ["trees", "digits"], "models": ["leakyolo-n", "yolo26n"], "imgsz": 320,
             "epochs": {"trees": 30, "digits": 30, "shapes": 100},
             "seeds": [0, 1], "train": {"batch": 16, "nbs": 16},
             "bench": {"threads": [1, 2], "warmup": 20, "runs": 200}, "calib_images": 300,
             "note": "full budget (trees 30 / digits 30 epochs at 320 px, 2 seeds): same data, epochs, optimizer "
                     "and evaluator for every model; mean ± std over seeds"},
}
ARM_CORES = ("cortex-a72", "cortex-a76")
WHY_U8S7 = "; 7-bit weights: this x86 CPU has no VNNI and its u8s8 kernels saturate, docs/performance.md"
# Per model and epoch (incl. val) on the 2-core CPU, full settings, torch on both cores: trees measured
# (5-8 s); digits is the 1-thread measurement (70 s) divided by the 1.4x that the second thread gave on trees.
EPOCH_SECONDS_AT_320 = {"trees": 7, "digits": 50, "shapes": 3}


def run_name(dataset: str, model: str, seed: int) -> str:
    """One training's name: its run folder under train/ and, prefixed with train-, its stage."""
    return f"{dataset}-{model}-s{seed}"


def first_val_image(data_yaml: str) -> Path:
    """A held-out image of one of our datasets (bench and ARM inputs)."""
    return sorted((Path(data_yaml).parent / "images" / "val").glob("*.jpg"))[0]


def training_seconds(cfg: dict, ds: str) -> float:
    """Estimated seconds to train one model on dataset ds with this profile."""
    return cfg["epochs"][ds] * EPOCH_SECONDS_AT_320.get(ds, 30) * (cfg["imgsz"] / 320) ** 2


def plan(cfg: dict, models: list) -> float:
    """Print the plan; return the estimated CPU seconds."""
    total = 0.0
    for ds in cfg["data"]:
        epochs = cfg["epochs"][ds]
        seconds = training_seconds(cfg, ds) * len(models) * len(cfg["seeds"])
        total += seconds + 120
        print(f"  {ds}: {len(models)} models x {len(cfg['seeds'])} seed(s) x {epochs} epochs at {cfg['imgsz']} px "
              f"(~{seconds / 60:.0f} min training on this CPU)", file=sys.stderr)
    return total + 60


def training_cost(cfg: dict, models: list) -> dict:
    """(dataset, model) -> relative training cost: estimated training seconds x the model's GFLOPs."""
    from ultralytics import YOLO

    from leakyolo.models.census import params_and_gflops
    from leakyolo.models.registry import model_yaml

    size = f"gflops@{cfg['imgsz']}"
    gflops = {m: params_and_gflops(YOLO(model_yaml(m)).model, (cfg["imgsz"],))[size] for m in models}
    return {(ds, m): training_seconds(cfg, ds) * gflops[m] for ds in cfg["data"] for m in models}


def train_stage(st: Stages, run_dir: Path, inputs: dict, **kwargs) -> str:
    """Train, resuming a half-trained run made with the same inputs; start over if inputs changed."""
    from leakyolo.models.train import train

    marker = run_dir / "pipeline-inputs.json"
    last = run_dir / "weights" / "last.pt"
    if last.is_file() and marker.is_file() and json.loads(marker.read_text()) == json.loads(json.dumps(inputs)):
        st.say(f"resuming {run_dir.name} from {last}")
        return str(train(kwargs["model"], kwargs["data"], resume=run_dir))
    if run_dir.exists():
        shutil.rmtree(run_dir)
    write_json(marker, inputs)
    done = train(**kwargs, project=run_dir.parent, name=run_dir.name, exist_ok=True,
                 callbacks={"on_pretrain_routine_start": lambda tr: write_json(Path(tr.save_dir) / marker.name,
                                                                              inputs)})
    return str(done)


def demo_video(dataset_yaml: str, model: Path, out: Path) -> list:
    """An annotated video made by `detect` on held-out (val) frames."""
    from leakyolo.detect import cli as detect_cli
    from leakyolo.detect.preprocess import letterbox

    images = sorted((Path(dataset_yaml).parent / "images" / "val").glob("*.jpg"))[:48]
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


def headline(out: Path, dataset: str) -> str:
    """LeakYOLO-n INT8 vs YOLO26n FP32 / INT8: mAP and 1-thread latency, from this run's results."""
    evals = json.loads((out / "results" / f"eval-{dataset}.json").read_text())["models"]
    bench = json.loads((out / "results" / f"bench-{dataset}.json").read_text())["models"]
    lat = {m["sha256"]: m["results"].get("1", {}).get("model_only", {}).get("p50") for m in bench}
    lines = [f"{'model':<36}{'mAP50-95':>9}{'mAP50':>8}{'p50 ms (1 thr)':>16}"]
    for m in evals:
        if m["card"].get("model") in ("leakyolo-n", "yolo26n"):
            lines.append(f"{m['file']:<36}{m['mAP50-95']:>9.3f}{m['mAP50']:>8.3f}{lat.get(m['sha256']) or 0:>16.2f}")
    return "\n".join(lines)


def pipeline(profile: str = "quick", data=None, models=None, imgsz=None, seeds=None, epochs=None, device="cpu",
             out="runs/pipeline", train_only=False, jobs=1):
    """Run the whole product; return the report path (the run folder with train_only).

    jobs > 1 runs that many trainings at once, each in its own process (on CPU: on its own cores).

    train_only stops after training, e.g. to train on a GPU machine and export, benchmark and report
    on the CPU the models are for: the device is not part of a stage's inputs, so the rerun there
    (same profile and out folder) reuses the trained weights. run.json records where each trained.
    """
    from leakyolo.compare.arm import SCHEMA as ARM_SCHEMA
    from leakyolo.compare.arm import arm_check
    from leakyolo.compare.bench import SCHEMA as BENCH_SCHEMA
    from leakyolo.compare.bench import bench
    from leakyolo.compare.evaluate import evaluate
    from leakyolo.compare.report import report
    from leakyolo.datasets import build
    from leakyolo.export.export import export
    from leakyolo.export.quantize import host_int8_types
    from leakyolo.models.registry import model_digest, spec
    from leakyolo.offline import import_ultralytics

    if profile not in PROFILES:
        raise UserError(f"unknown profile '{profile}': choose {', '.join(PROFILES)}")
    cfg = json.loads(json.dumps(PROFILES[profile]))
    models = models or cfg["models"]
    for m in models:
        spec(m)
    if jobs < 1:
        raise UserError(f"--jobs {jobs}: pass 1 or more")
    slots = core_groups(jobs) if str(device) == "cpu" else [None] * jobs
    cfg["data"] = data or cfg["data"]
    cfg["imgsz"] = imgsz or cfg["imgsz"]
    cfg["seeds"] = seeds if seeds is not None else cfg["seeds"]
    if epochs:
        cfg["epochs"] = {ds: epochs for ds in cfg["data"]}
    import_ultralytics("the pipeline")
    out = Path(out).resolve() / profile
    out.mkdir(parents=True, exist_ok=True)
    check_disk(out, 3.0)
    st = Stages(out)
    print(f"LeakYOLO pipeline, profile '{profile}' -> {out}", file=sys.stderr)
    estimate = plan(cfg, models)
    int8_types = host_int8_types()  # the report measures this CPU: INT8 that is exact on it
    why = WHY_U8S7 if int8_types == "u8s7" else ""
    print(f"  models: {', '.join(models)}; export FP32 + INT8 {int8_types} (gated{why}); eval; "
          f"bench {cfg['bench']['threads']} threads; emulated ARM check (first dataset and seed); report; demo video\n"
          f"  estimated time: ~{estimate / 60:.0f} min on a 2-core CPU"
          f"{f' in one job; --jobs {jobs}: {jobs} trainings at a time' if jobs > 1 else ''}", file=sys.stderr)
    result_files = []
    data_yamls = {ds: st.run(f"data-{ds}", {"name": ds, "imgsz": cfg["imgsz"]}, lambda r: [r],
                             lambda: str(build(ds, imgsz=cfg["imgsz"]))) for ds in cfg["data"]}
    content = {ds: json.loads((Path(y).parent / "dataset.json").read_text())["content_sha256"]
               for ds, y in data_yamls.items()}
    digest = {model: model_digest(model) for model in models}
    inputs_of = {(ds, model, seed): {
        "model": model, "model_yaml": digest[model], "imgsz": cfg["imgsz"], "epochs": cfg["epochs"][ds],
        "seed": seed, "data": content[ds], **cfg["train"]}
        for ds in cfg["data"] for seed in cfg["seeds"] for model in models}
    todo = [key for key, inputs in inputs_of.items() if not st.is_done(f"train-{run_name(*key)}", inputs)]
    if len(todo) < len(inputs_of):
        left = sum(training_seconds(cfg, ds) for ds, _, _ in todo)
        print(f"  {len(inputs_of) - len(todo)} of {len(inputs_of)} trainings already done: ~{left / 60:.0f} min of "
              f"training left", file=sys.stderr)
    if jobs > 1:
        common = ["pipeline", "--profile", profile, "--out", str(out.parent), "--imgsz", str(cfg["imgsz"]),
                  "--device", str(device), "--train-only"] + (["--epochs", str(epochs)] if epochs else [])
        cost = training_cost(cfg, models) if todo else {}
        todo.sort(key=lambda key: -cost[key[:2]])  # longest first: every slot stays busy to the end
        run_jobs(st, [(f"train-{run_name(ds, model, seed)}", common + ["--data", ds, "--models", model,
                                                                      "--seeds", str(seed)])
                      for ds, model, seed in todo], slots)
    for ds in cfg["data"]:
        data_yaml = data_yamls[ds]
        onnx_dir = out / "onnx" / ds
        files, first_seed_files = [], []
        for seed in cfg["seeds"]:
            for model in models:
                tag = run_name(ds, model, seed)
                run_dir = out / "train" / tag
                inputs = inputs_of[ds, model, seed]
                kwargs = dict(model=model, data=data_yaml, epochs=cfg["epochs"][ds], imgsz=cfg["imgsz"], seed=seed,
                              device=device, workers=2, **cfg["train"])
                st.run(f"train-{tag}", inputs, [run_dir / "weights" / "best.pt"],
                       lambda: train_stage(st, run_dir, inputs, **kwargs))
                if train_only:
                    continue
                weights = run_dir / "weights" / "best.pt"
                exp_inputs = {"weights": sha256_file(weights), "imgsz": cfg["imgsz"], "calib": cfg["calib_images"],
                              "ultralytics_int8": model == "yolo26n", "calib_method": "auto", "types": int8_types}
                exported = st.run(f"export-{tag}", exp_inputs, lambda r: r, lambda: [str(p) for p in export(
                    run_dir, imgsz=cfg["imgsz"], int8=True, calib_images=cfg["calib_images"], out=onnx_dir,
                    calib_method="auto", types=int8_types,
                    name=f"{model}-s{seed}", with_ultralytics_int8=model == "yolo26n", int8_required=False)])
                files += exported
                if seed == cfg["seeds"][0]:
                    first_seed_files += exported
        if train_only:
            continue
        hashes = {Path(f).name: sha256_file(f) for f in files}
        eval_json, bench_json = out / "results" / f"eval-{ds}.json", out / "results" / f"bench-{ds}.json"
        st.run(f"eval-{ds}", {"files": hashes}, [eval_json],
               lambda: str(write_json(eval_json, evaluate(files, data_yaml))))
        st.run(f"bench-{ds}", {"files": hashes, **cfg["bench"], "method": BENCH_SCHEMA}, [bench_json],
               lambda: str(write_json(bench_json, bench(files, **cfg["bench"], image=first_val_image(data_yaml)))))
        result_files += [eval_json, bench_json]
        if ds != cfg["data"][0]:
            continue
        # Emulated ARM on the first dataset and seed only: instruction counts follow the architecture
        # and precision, not the weights, and emulation at 320 px takes minutes per file.
        if shutil.which("qemu-aarch64"):
            arm_json = out / "results" / f"arm-{ds}.json"
            arm_inputs = {"files": {Path(f).name: hashes[Path(f).name] for f in first_seed_files}, "cores": ARM_CORES,
                          "method": ARM_SCHEMA}
            st.run(f"arm-{ds}", arm_inputs, [arm_json], lambda: str(write_json(arm_json, arm_check(
                first_seed_files, ARM_CORES, image=first_val_image(data_yaml)))))
            result_files.append(arm_json)
        else:
            st.say("arm: qemu-aarch64 not found (apt-get install qemu-user): emulated ARM check skipped")
    if train_only:
        print(f"Trained in {sum(st.timings.values()) / 60:.1f} min: {out / 'train'}. Rerun without --train-only "
              f"(same profile and --out) to export, evaluate, benchmark and report.", file=sys.stderr)
        return out
    report_dir = out / "report"
    st.run("report", {"results": {p.name: sha256_file(p) for p in result_files}}, [report_dir / "report.md"],
           lambda: str(report(result_files, report_dir, title=f"LeakYOLO vs YOLO26 ({profile} profile)",
                              note=cfg["note"])))
    first = cfg["data"][0]
    lead = out / "onnx" / first / f"{models[0]}-s{cfg['seeds'][0]}-{cfg['imgsz']}-int8.onnx"
    if not lead.is_file():  # its INT8 failed the accuracy gate: show the FP32 model
        lead = lead.with_name(lead.name.replace("-int8", "-fp32"))
    demo = st.run("demo", {"model": sha256_file(lead)}, lambda r: r, lambda: demo_video(data_yamls[first], lead, out))
    print(f"\nDone in {sum(st.timings.values()) / 60:.1f} min. Stage times (s): {json.dumps(st.timings)}", file=sys.stderr)
    print(f"ONNX files and model cards: {out / 'onnx'}\nreport: {report_dir / 'report.md'} and report.html\n"
          f"demo video: {demo[0]}\n\n{headline(out, first)}\n\n"
          f"Try it: detect --source camera --model {lead}\n"
          f"    or: detect --source {demo[2]} --model {lead} --show", file=sys.stderr)
    return report_dir / "report.md"
