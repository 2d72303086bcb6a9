"""A pipeline run's plan: the profile with the caller's overrides, the data, and every training's stage
inputs (what decides whether a finished stage is reused)."""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file

from .estimate import plan as print_plan
from .profiles import (PROFILES, RECIPES, base_model, recipe_epochs, row_imgsz, row_seeds, run_name,
                       source_model, sweep_sizes)
from .runner import Stages

WHY_U8S7 = "; 7-bit weights: this x86 CPU has no VNNI and its u8s8 kernels saturate, docs/performance.md"


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


def runtimes_line(wanted) -> str:
    """Which runtimes the run makes files for (raw head, training size), and which it skips for a missing extra."""
    from leakyolo.export.targets import available

    made = [r for r in wanted if available(r)]
    missing = [r for r in wanted if r not in made]
    text = f"ONNX Runtime{''.join(f', {r}' for r in made)} (raw head at the training size, gated)"
    return text + (f"; skipped, extra not installed: {', '.join(missing)} (pip install 'leakyolo[openvino,ncnn-export]')"
                   if missing else "")


def announce(p: Plan, profile: str, jobs: int) -> None:
    """The plan and its estimate, before anything runs."""
    print(f"LeakYOLO pipeline, profile '{profile}' -> {p.out}", file=sys.stderr)
    estimate = print_plan(p.cfg, p.models, jobs, p.device)
    why = WHY_U8S7 if p.int8_types == "u8s7" else ""
    print(f"  models: {', '.join(p.models)}; export FP32 + INT8 {p.int8_types} (gated{why}); eval; "
          f"bench {p.cfg['bench']['threads']} threads; emulated ARM check (first dataset and seed); report; demo video\n"
          f"  speed-accuracy sweep: sizes {', '.join(map(str, sweep_sizes(p.cfg)))} x NMS-free and raw heads, FP32 + "
          f"INT8, first {p.cfg['sweep']['seeds']} seed(s)\n"
          f"  runtimes: {runtimes_line(p.cfg.get('runtimes', ()))}\n"
          f"  estimated time: ~{estimate / 60:.0f} min here"
          f"{'' if str(p.device) == 'cpu' else ', besides the training'}", file=sys.stderr)


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
