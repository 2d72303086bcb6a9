"""Learning curves and the plateau rule (RULE): how a report shows that its trainings were long enough. Curves
come from each run folder's results.csv (Ultralytics' validation after every epoch, PyTorch, EMA weights), facts
from its run.json."""

import csv
import statistics
from pathlib import Path

from leakyolo.base.provenance import read_run_json, stamp

SCHEMA = "leakyolo.train/1"
WINDOW, PLATEAU_GAIN, LAST_PART = 5, 0.01, 0.25
MAP_COLUMN = "metrics/mAP50-95(B)"
RULE = (f"A training has plateaued when the {WINDOW}-epoch mean of its validation mAP50-95 (PyTorch, after every "
        f"epoch) rose by less than {PLATEAU_GAIN * 100:g} point over the last {LAST_PART:.0%} of its epochs; its "
        f"plateau epoch is the first whose {WINDOW}-epoch mean is within {PLATEAU_GAIN * 100:g} point of the final "
        f"{WINDOW}-epoch mean.")


def smoothed(curve: list) -> list:
    """Trailing mean over WINDOW epochs (fewer at the start)."""
    return [statistics.fmean(curve[max(0, i + 1 - WINDOW):i + 1]) for i in range(len(curve))]


def plateau(curve: list) -> dict:
    """The plateau rule on one validation curve: {"plateaued", "plateau_epoch", "last_quarter_gain", "final"}."""
    if len(curve) < 2 * WINDOW:
        return {"plateaued": False, "plateau_epoch": None, "last_quarter_gain": None, "final": None,
                "why": f"{len(curve)} epochs: too short to judge ({2 * WINDOW} needed)"}
    mean = smoothed(curve)
    start = len(curve) - max(1, round(len(curve) * LAST_PART)) - 1
    gain = mean[-1] - mean[start]
    epoch = next(i + 1 for i, v in enumerate(mean) if v >= mean[-1] - PLATEAU_GAIN)
    return {"plateaued": gain < PLATEAU_GAIN, "plateau_epoch": epoch, "last_quarter_gain": round(gain, 5),
            "final": round(mean[-1], 5)}


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
