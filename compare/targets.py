"""The product's targets, checked from a report's numbers: LeakYOLO-n INT8 against YOLO26n.

Latency: <= 0.33x YOLO26n FP32 and <= 0.5x the best YOLO26n INT8 (ours or Ultralytics'), per machine
and thread count; accuracy: mAP50-95 within 1 point of YOLO26n FP32, mean of at least 2 seeds (also for
LeakYOLO-n distilled from YOLO26n and YOLO26n converted to Leaky ReLU, and with both models' raw head +
NMS where measured); int8 throughput >= 40% of the machine's int8 GEMM peak; emulated Cortex-A76
instructions <= 0.35x. An accuracy target is met or not only when the difference lies further from its
threshold than the seed margin (twice the pooled standard error of the two means); nearer, the seeds
cannot rank the models and the row says so. A dataset whose seed spread exceeds every difference between the
models' accuracies (the largest std over seeds of any row against the largest gap of an INT8 subject to YOLO26n
FP32) carries no accuracy verdict at all: it is a sanity check at that size, and its rows say so.
"""

from leakyolo.base.defaults import BASELINE, CONVERTED, DISTILLED, PRODUCT

from leakyolo.detect.stats import achieved_gops

from .margin import pooled_margin
from .results import mean_spread

OURS, BASE = (PRODUCT, "int8", ""), (BASELINE, "fp32", "")
MAX_VS_FP32, MAX_VS_INT8, MAX_MAP_DROP, MIN_PEAK_SHARE, MAX_ARM = 0.33, 0.5, 1.0, 0.40, 0.35
MIN_SEEDS, ARM_CORE = 2, "cortex-a76"
ACCURACY_SUBJECTS = (PRODUCT, PRODUCT + DISTILLED, BASELINE + CONVERTED)  # INT8 models held to YOLO26n FP32


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def latency_rows(avg: dict, dataset: str, col: tuple, peak) -> list:
    """The latency and int8-peak targets on one dataset's models, for one (machine, threads) column."""
    ours, base = avg.get((dataset, *OURS)), avg.get((dataset, *BASE))
    mine = ours and ours["lat"].get(col)
    if not mine:
        return []
    size = f" at {ours['imgsz'][0]} px" if ours.get("imgsz") else ""
    where = f"{dataset}{size}, {col[0]}, {col[1]} thr"
    rows = []
    fp32 = base and base["lat"].get(col)
    if fp32:
        rows.append([f"INT8 latency <= {MAX_VS_FP32}x YOLO26n FP32", where,
                     f"{mine / fp32:.3f}x ({mine:.2f} / {fp32:.2f} ms)", met(mine / fp32 <= MAX_VS_FP32)])
    int8 = {"Ultralytics int8" if v else "ours": a["lat"][col] for (d, m, p, v), a in avg.items()
            if (d, m, p) == (dataset, BASELINE, "int8") and a["lat"].get(col)}
    if int8:
        which, best = min(int8.items(), key=lambda kv: kv[1])
        rows.append([f"INT8 latency <= {MAX_VS_INT8}x the best YOLO26n INT8", where,
                     f"{mine / best:.3f}x ({mine:.2f} / {best:.2f} ms, {which})", met(mine / best <= MAX_VS_INT8)])
    if peak and ours.get("giga_ops"):
        gops = achieved_gops(ours["giga_ops"], mine)
        share = gops / float(peak)
        rows.append([f"int8 throughput >= {MIN_PEAK_SHARE:.0%} of the int8 GEMM peak", where,
                     f"{share:.0%} ({gops:.0f} of {float(peak):.0f} GOPS)", met(share >= MIN_PEAK_SHARE)])
    return rows


def spread_over_gaps(avg: dict, dataset: str):
    """(largest seed std of a row, largest |gap| of an INT8 subject to YOLO26n FP32), in points, on one dataset's
    ONNX Runtime rows; None without a spread."""
    rows = {(m, p): a for (d, m, p, v), a in avg.items() if d == dataset and not v and a["map"] is not None}
    spreads = [a["std"] * 100 for a in rows.values() if a.get("std") is not None and a["seeds"] >= MIN_SEEDS]
    base = rows.get(BASE[:2])
    gaps = [abs(rows[m, "int8"]["map"] - base["map"]) * 100 for m in ACCURACY_SUBJECTS if base and (m, "int8") in rows]
    return (max(spreads), max(gaps)) if spreads and gaps else None


def sanity_only(avg: dict, dataset: str) -> str:
    """Why a dataset's accuracy cannot be ranked at all ('' when it can): its seeds spread wider than the models
    differ."""
    found = spread_over_gaps(avg, dataset)
    if not found or found[0] <= found[1]:
        return ""
    return (f"— (sanity check: seed std up to {found[0]:.1f} points exceeds every model difference, at most "
            f"{found[1]:.1f}: cannot rank at this size)")


def accuracy_row(avg: dict, dataset: str, model: str = PRODUCT, head: str = "", sanity: str = "") -> list:
    """The accuracy target of one model's INT8 on one dataset (needs MIN_SEEDS seeds of both models to count);
    head names a non-default head (both models' raw head + NMS); sanity: the verdict of a dataset that cannot be
    ranked (sanity_only)."""
    ours, base = avg.get((dataset, model, "int8", "")), avg.get((dataset, *BASE))
    if not (ours and base and ours["map"] is not None and base["map"] is not None):
        return []
    gain = (ours["map"] - base["map"]) * 100
    seeds = min(ours["seeds"], base["seeds"])
    margin = seed_margin(ours, base)
    if seeds < MIN_SEEDS or margin is None:
        verdict = f"— ({seeds} seed: not a comparison)"
    elif sanity:
        verdict = sanity
    elif abs(gain + MAX_MAP_DROP) <= margin:
        verdict = f"— (within the seed margin ±{margin:.1f}: the seeds cannot rank these models)"
    else:
        verdict = met(gain >= -MAX_MAP_DROP)
    who = "" if model == PRODUCT else f"{model} "
    return [f"{who}INT8 mAP50-95 >= YOLO26n FP32 - {MAX_MAP_DROP:g} point{f' ({head})' if head else ''}",
            f"{dataset}, mean of {seeds} seed(s)", f"{gain:+.1f} points ({ours['map']:.3f} vs {base['map']:.3f})",
            verdict]


def seed_margin(a: dict, b: dict):
    """Twice the pooled standard error of two means over seeds, in points (None without a spread on both)."""
    if a.get("std") is None or b.get("std") is None:
        return None
    return pooled_margin((a["std"] ** 2, a["seeds"]), (b["std"] ** 2, b["seeds"]))


def arm_row(arm: list) -> list:
    """The emulated-ARM target: arm holds (model, precision, core, instructions per inference)."""
    counts = {(m, p): n for m, p, core, n in arm if core == ARM_CORE and n}
    ours, base = counts.get(OURS[:2]), counts.get(BASE[:2])
    if not (ours and base):
        return []
    return [f"{ARM_CORE} instructions <= {MAX_ARM}x YOLO26n FP32", "emulated (qemu)",
            f"{ours / base:.3f}x ({ours / 1e6:.1f} / {base / 1e6:.1f} M)", met(ours / base <= MAX_ARM)]


def check(avg: dict, columns: list, peaks: dict, arm: list, raw: dict = None) -> tuple:
    """(header, body) of the targets table; avg maps (dataset, model, precision, variant) to
    {"lat": {(machine, threads): p50 ms}, "map": mean mAP50-95 or None, "seeds": n, "giga_ops": x,
    "imgsz": [h, w] or None}; raw the same keys to {"map", "seeds"} of the raw head at the training size."""
    body = []
    for dataset in sorted({k[0] for k in avg}):
        for col in columns:
            body += latency_rows(avg, dataset, col, peaks.get(col))
        sanity = sanity_only(avg, dataset)
        for model in ACCURACY_SUBJECTS:
            body += [row for row in [accuracy_row(avg, dataset, model, sanity=sanity),
                                     accuracy_row(raw or {}, dataset, model, "raw head + NMS", sanity)] if row]
    body += [row for row in [arm_row(arm)] if row]
    return ["target (LeakYOLO-n INT8 unless named)", "where", "measured", "met"], body


def raw_accuracy(series: dict) -> dict:
    """{(dataset, model, precision, variant): {"map", "std", "seeds"}} of the raw head (+ NMS) at the training size,
    for the targets table."""
    out = {}
    for k, points in series.items():
        pt = points.get(k.trained_at)
        if k.head == "raw" and pt and pt.map:
            mean, std = mean_spread(list(pt.map.values()))
            out[k.dataset, k.model, k.precision, k.variant] = {"map": mean, "std": std, "seeds": len(pt.map)}
    return out
