"""The speed-accuracy frontier: every swept file (input size x head) of every trained model as a point
(end-to-end p50, mAP50-95), one series per model x precision x head, seeds averaged per input size.

Answers "with N ms per frame, which model and size give the most accuracy?": each family's mAP at YOLO26n's
latencies (interpolated along its Pareto front), the latency it needs for YOLO26n FP32's mAP, and whether
LeakYOLO's INT8 front lies above YOLO26n's where their latencies overlap.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from leakyolo.base.defaults import BASELINE, TRAINED_AT

from .results import card_of, mean_spread, point, row_key, row_label
from .tables import fmt


class SeriesKey(NamedTuple):
    """One line of a frontier: a trained model (by its card), precision, INT8 variant, head, training size."""

    dataset: str
    model: str
    precision: str
    variant: str
    head: str
    trained_at: int


@dataclass
class Point:
    """One input size of a series: end-to-end p50 per (machine, threads) column and mAP, each {seed: value}."""

    lat: dict = field(default_factory=dict)
    map: dict = field(default_factory=dict)


def label(key: SeriesKey) -> str:
    """A series' name in tables and legends."""
    return f"{row_label(key)}, {key.head}"


def series_key(m: dict, record: dict) -> SeriesKey:
    """A result row's series: its report row, head and training size."""
    card = card_of(m, record)
    return SeriesKey(*row_key(card, m["file"]), point(m)[0], int(card.get("train_imgsz") or 0))


def collect_series(results) -> dict:
    """{SeriesKey: {input size: Point}} from bench (end-to-end latency) and eval (mAP) records."""
    series = {}
    for _, record in results.benches:
        machine = record["machine"]["label"]
        for m in record["models"]:
            pt = series.setdefault(series_key(m, record), {}).setdefault(point(m)[1], Point())
            for threads, res in m["results"].items():
                pt.lat.setdefault((machine, threads), {})[m["card"].get("seed")] = res["end_to_end"]["p50"]
    for _, record in results.evals:
        for m in record["models"]:
            pt = series.setdefault(series_key(m, record), {}).setdefault(point(m)[1], Point())
            pt.map[m["card"].get("seed")] = m["mAP50-95"]
    return series


def curve(points: dict, col: tuple) -> list:
    """[(p50 ms, mAP50-95, size)] of one series in one column, fastest first (sizes measured in both).
    Each point averages the seeds that every size of the series has (a sweep of fewer seeds than the
    main export stays one consistent curve)."""
    common = set.intersection(*[set(pt.map) & set(pt.lat.get(col, {})) for pt in points.values()]) or None
    out = []
    for size, pt in points.items():
        lat = mean_spread([v for seed, v in pt.lat.get(col, {}).items() if common is None or seed in common])[0]
        acc = [v for seed, v in pt.map.items() if common is None or seed in common]
        if lat and acc:
            out.append((lat, mean_spread(acc)[0], size))
    return sorted(out)


def pareto(points: list) -> list:
    """The (latency, mAP, ...) points no faster point beats in accuracy, fastest first."""
    front, best = [], float("-inf")
    for p in sorted(points, key=lambda p: (p[0], -p[1])):  # of equal latencies, the most accurate first
        if p[1] > best:
            front.append(p)
            best = p[1]
    return front


def map_at(front: list, ms: float):
    """The mAP a Pareto front reaches within ms: interpolated between its points, its best beyond its
    slowest point, None if even its fastest point is slower."""
    if not front or ms < front[0][0]:
        return None
    for (l0, a0, *_), (l1, a1, *_) in zip(front, front[1:]):
        if l0 <= ms <= l1:
            return a0 + (a1 - a0) * (ms - l0) / (l1 - l0) if l1 > l0 else max(a0, a1)
    return front[-1][1]


def ms_for(front: list, target: float):
    """The latency a Pareto front needs to reach mAP target (interpolated), None if it never does."""
    if not front or front[-1][1] < target:
        return None
    if front[0][1] >= target:
        return front[0][0]
    for (l0, a0, *_), (l1, a1, *_) in zip(front, front[1:]):
        if a0 < target <= a1:
            return l0 + (l1 - l0) * (target - a0) / (a1 - a0)
    return None


def family(model: str) -> str:
    """A model's family: its name without the input size it was trained at (yolo26n@256 -> yolo26n)."""
    return model.split(TRAINED_AT)[0]


def family_front(series: dict, dataset: str, model: str, precision: str, col: tuple, variant_: str = "") -> list:
    """The Pareto front of one model x precision over both heads, all sizes and the sizes it was trained at
    (a user picks any)."""
    pts = [p for k, v in series.items() if (k.dataset, family(k.model), k.precision, k.variant) ==
           (dataset, model, precision, variant_) for p in curve(v, col)]
    return pareto(pts)


def reference(series: dict, dataset: str, precision: str, col: tuple):
    """YOLO26n's (precision) point at its training size with the NMS-free head: (p50 ms, mAP) or None."""
    for k, v in series.items():
        if (k.dataset, k.model, k.precision, k.variant, k.head) == (dataset, BASELINE, precision, "", "nms-free"):
            for lat, acc, size in curve(v, col):
                if size == k.trained_at:
                    return lat, acc
    return None


def frontier_table(series: dict, dataset: str, col: tuple) -> tuple:
    """(header, body) for one dataset and column: each series' sizes and its mAP at YOLO26n's latencies."""
    int8, fp32 = reference(series, dataset, "int8", col), reference(series, dataset, "fp32", col)
    header = [f"series [{dataset}, {col[0]}, {col[1]} thr]", "trained at", "points: size px (e2e p50 ms, mAP50-95)",
              f"mAP50-95 at YOLO26n INT8's {int8[0]:.2f} ms" if int8 else "(no YOLO26n INT8)",
              f"mAP50-95 at YOLO26n FP32's {fp32[0]:.2f} ms" if fp32 else "(no YOLO26n FP32)",
              f"ms to reach YOLO26n FP32's {fp32[1]:.3f}" if fp32 else "ms to reach YOLO26n FP32's mAP"]
    body = []
    for key in sorted(k for k in series if k.dataset == dataset):
        pts = curve(series[key], col)
        if not pts:
            continue
        front = pareto(pts)
        listed = ", ".join(f"{size} ({lat:.2f}, {acc:.3f})" for lat, acc, size in sorted(pts, key=lambda p: p[2]))
        if len(pts) == 1:
            listed += " (one point: a frontier needs two)"
        body.append([label(key), str(key.trained_at or "—"), listed, fmt(map_at(front, int8[0])) if int8 else "—",
                     fmt(map_at(front, fp32[0])) if fp32 else "—", fmt(ms_for(front, fp32[1]), digits=2) if fp32 else "—"])
    return header, body


def compare_fronts(ours: list, theirs: list) -> str:
    """Where two Pareto fronts overlap in latency: the mAP difference (points) at equal latency."""
    if len(ours) < 1 or len(theirs) < 1:
        return ""
    lo, hi = max(ours[0][0], theirs[0][0]), min(ours[-1][0], theirs[-1][0])
    if lo > hi:
        if ours[-1][0] < theirs[0][0]:
            word = "dominates (no overlap)" if ours[-1][1] > theirs[0][1] else "no overlap"
            return (f"{word}: every point of ours is faster; ours best {ours[-1][1]:.3f} at {ours[-1][0]:.2f} ms, "
                    f"theirs fastest {theirs[0][1]:.3f} at {theirs[0][0]:.2f} ms")
        word = "is dominated (no overlap)" if ours[0][1] < theirs[-1][1] else "no overlap"
        return (f"{word}: every point of ours is slower; ours fastest {ours[0][1]:.3f} at {ours[0][0]:.2f} ms, "
                f"theirs best {theirs[-1][1]:.3f} at {theirs[-1][0]:.2f} ms")
    xs = sorted({lo, hi, *(p[0] for p in ours + theirs if lo <= p[0] <= hi)})
    diffs = [(map_at(ours, x) - map_at(theirs, x)) * 100 for x in xs]
    word = "dominates" if min(diffs) > 0 else ("is dominated" if max(diffs) < 0 else "crosses")
    return f"{word}: {min(diffs):+.1f} to {max(diffs):+.1f} points at equal latency over {lo:.2f}-{hi:.2f} ms"


def verdicts(series: dict, datasets: list, columns: list) -> tuple:
    """(header, body): per dataset and column, each non-YOLO26n INT8 family's front against YOLO26n FP32's
    and our YOLO26n INT8's (both heads, all sizes and training sizes)."""
    body = []
    for dataset in datasets:
        subjects = sorted({family(k.model) for k in series if k.dataset == dataset and k.precision == "int8"
                           and not k.variant and family(k.model) != BASELINE})
        for col in columns:
            for model in subjects:
                ours = family_front(series, dataset, model, "int8", col)
                for precision in ("fp32", "int8"):
                    text = compare_fronts(ours, family_front(series, dataset, BASELINE, precision, col))
                    if text:
                        body.append([f"{model} INT8 vs {BASELINE} {precision.upper()}",
                                     f"{dataset}, {col[0]}, {col[1]} thr", text])
    return ["frontier", "where", "verdict"], body


def left_out(results) -> list:
    """[(dataset, file, why)] of sweep points whose INT8 failed its gate (FP32 cards say so)."""
    seen = {}
    for _, record in results.evals + results.benches:
        for m in record["models"]:
            why = m["card"].get("int8_failure")
            if why:
                seen[m["file"]] = (card_of(m, record).get("dataset") or "?", m["file"], why)
    return sorted(seen.values())


def raw_accuracy(series: dict) -> dict:
    """{(dataset, model, precision, variant): {"map", "seeds"}} of the raw head (+ NMS) at the training size,
    for the targets table."""
    out = {}
    for k, points in series.items():
        pt = points.get(k.trained_at)
        if k.head == "raw" and pt and pt.map:
            out[k.dataset, k.model, k.precision, k.variant] = {"map": mean_spread(list(pt.map.values()))[0],
                                                              "seeds": len(pt.map)}
    return out
