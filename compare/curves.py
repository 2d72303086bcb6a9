"""Learning curves and the plateau rule (RULE): how a report shows that its trainings were long enough. Curves
come from each run folder's results.csv (Ultralytics' validation after every epoch, PyTorch, EMA weights), facts
from its run.json."""

import csv
import statistics
from pathlib import Path

from leakyolo.base.defaults import BASELINE
from leakyolo.base.provenance import read_run_json, stamp

from .margin import pooled_margin

SCHEMA = "leakyolo.train/1"
WINDOW, PLATEAU_GAIN, LAST_PART = 5, 0.01, 0.25
MAP_COLUMN = "metrics/mAP50-95(B)"
RULE = (f"A training has plateaued when the {WINDOW}-epoch mean of its validation mAP50-95 (PyTorch, after every "
        f"epoch) rose by less than {PLATEAU_GAIN * 100:g} point over the last {LAST_PART:.0%} of its epochs; its "
        f"plateau epoch is the first whose {WINDOW}-epoch mean is within {PLATEAU_GAIN * 100:g} point of the final "
        f"{WINDOW}-epoch mean.")
GAP_RULE = (f"A gap to {BASELINE} has settled when its {WINDOW}-epoch mean (over the seeds both have) moved by less "
            f"than the seed margin (twice the pooled standard error of the final {WINDOW}-epoch means) over the last "
            f"{LAST_PART:.0%} of the epochs; the schedule is the same, so this says the comparison stopped moving, "
            "not that a longer schedule would give the same gap.")


def smoothed(curve: list) -> list:
    """Trailing mean over WINDOW epochs (fewer at the start)."""
    return [statistics.fmean(curve[max(0, i + 1 - WINDOW):i + 1]) for i in range(len(curve))]


def plateau(curve: list) -> dict:
    """The plateau rule on one validation curve: {"plateaued", "plateau_epoch", "last_quarter_gain", "final"}."""
    if len(curve) < 2 * WINDOW:
        return {"plateaued": False, "plateau_epoch": None, "last_quarter_gain": None, "final": None,
                "why": f"{len(curve)} epochs: too short to judge ({2 * WINDOW} needed)"}
    mean = smoothed(curve)
    start = last_part_start(len(curve))
    gain = mean[-1] - mean[start]
    epoch = next(i + 1 for i, v in enumerate(mean) if v >= mean[-1] - PLATEAU_GAIN)
    return {"plateaued": gain < PLATEAU_GAIN, "plateau_epoch": epoch, "last_quarter_gain": round(gain, 5),
            "final": round(mean[-1], 5)}


def last_part_start(epochs: int) -> int:
    """The index of the epoch where the last LAST_PART of a curve of `epochs` begins (the plateau rule's)."""
    return epochs - max(1, round(epochs * LAST_PART)) - 1


def gap_row(mine: list, theirs: list) -> list:
    """[seeds, gap at the last part's start, final gap, change, margin, verdict] of two models' trainings of one
    dataset (equal epochs, paired by seed), in points."""
    seeds = sorted({t["seed"] for t in mine} & {t["seed"] for t in theirs})
    curves = [[smoothed(next(t for t in side if t["seed"] == s)["curve"]) for side in (mine, theirs)] for s in seeds]
    start = last_part_start(len(curves[0][0]))
    gaps = [(a[start] - b[start], a[-1] - b[-1]) for a, b in curves]
    first, last = (statistics.fmean(g[i] for g in gaps) * 100 for i in (0, 1))
    cells = [str(len(seeds)), f"{first:+.1f} (epoch {start + 1})", f"{last:+.1f}", f"{last - first:+.1f}"]
    if len(seeds) < 2:
        return cells + ["—", "unconfirmed (one seed)"]
    tol = pooled_margin(*((statistics.variance(c[i][-1] for c in curves), len(seeds)) for i in (0, 1)))
    return cells + [f"±{tol:.1f}", "settled" if abs(last - first) < tol else "still moving"]


def gap_table(trainings: list) -> tuple:
    """(header, body): per dataset, each model's gap to YOLO26n over the last part of the schedule, by GAP_RULE;
    models whose epochs differ from YOLO26n's are left out."""
    body = []
    for dataset in sorted({str(t["dataset"]) for t in trainings}):
        runs = [t for t in trainings if str(t["dataset"]) == dataset and len(t["curve"]) >= 2 * WINDOW]
        theirs = [t for t in runs if t["model"] == BASELINE]
        if not theirs:
            continue
        for model in sorted({t["model"] for t in runs} - {BASELINE}):
            mine = [t for t in runs if t["model"] == model and len(t["curve"]) == len(theirs[0]["curve"])]
            if {t["seed"] for t in mine} & {t["seed"] for t in theirs}:
                body.append([dataset, f"{model} vs {BASELINE}", *gap_row(mine, theirs)])
    return ["dataset", "gap (PyTorch mAP50-95, points)", "seeds", "gap at the last quarter's start", "final gap",
            "change", "seed margin", "verdict"], body


def read_curve(results_csv: Path) -> list:
    """Validation mAP50-95 per epoch from Ultralytics' results.csv."""
    with open(results_csv, newline="") as f:
        rows = [{k.strip(): v for k, v in row.items()} for row in csv.DictReader(f)]
    return [float(r[MAP_COLUMN]) for r in rows if r.get(MAP_COLUMN, "").strip()]


def training(run_dir: Path) -> dict:
    """One training's curve, plateau and facts."""
    run = read_run_json(run_dir / "run.json") or {}
    curve = read_curve(run_dir / "results.csv")
    return {"run": run_dir.name, "model": run.get("model", run_dir.name), "seed": run.get("seed"),
            "dataset": (run.get("dataset") or {}).get("name"), "epochs": run.get("epochs", len(curve)),
            "imgsz": run.get("imgsz"), "wall_seconds": run.get("wall_seconds"), "curve": [round(v, 5) for v in curve],
            **plateau(curve)}


def record(run_dirs: list) -> dict:
    """The learning-curve result file of some trainings (`leakyolo report` reads it beside bench and eval)."""
    return {"schema": SCHEMA, "rule": RULE,
            "models": [training(Path(d)) for d in run_dirs], **stamp()}


def plateau_table(trainings: list) -> tuple:
    """(header, body): each training's epochs, final mAP, plateau epoch, gain over the last quarter, verdict."""
    header = ["dataset", "model", "seed", "epochs", "final mAP50-95 (5-epoch mean, PyTorch)", "plateau epoch",
              "gain over the last quarter (pts)", "plateaued", "training s"]
    body = []
    for t in sorted(trainings, key=lambda t: (str(t["dataset"]), t["model"], str(t["seed"]))):
        gain = t.get("last_quarter_gain")
        body.append([str(t["dataset"]), t["model"], str(t["seed"]), str(t["epochs"]),
                     f"{t['final']:.3f}" if t.get("final") is not None else "—", str(t.get("plateau_epoch") or "—"),
                     f"{gain * 100:+.1f}" if gain is not None else "—",
                     "yes" if t.get("plateaued") else f"**no**{': ' + t['why'] if t.get('why') else ''}",
                     f"{t['wall_seconds']:.0f}" if t.get("wall_seconds") else "—"])
    return header, body
