"""The speed-accuracy frontier: every swept file (input size x head) of every trained model as a point
(end-to-end p50, mAP50-95), one series per model x precision x head, seeds averaged per input size.

Answers "with N ms per frame, which model and size give the most accuracy?": each family's mAP at YOLO26n's
latencies (interpolated along its Pareto front), the latency it needs for YOLO26n FP32's mAP, and a verdict
per head (like for like) on LeakYOLO's INT8 front against YOLO26n's, by the rules in `verdict`.
"""

from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from leakyolo.base.defaults import BASELINE, TRAINED_AT

from .family import covered, with_family
from .names import card_of, row_label
from .margin import margin
from .results import mean_spread, point, row_key
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
    """[(p50 ms, mAP50-95, size, per-seed mAPs)] of one series in one column, fastest first (sizes measured in
    both). Each point averages the seeds that every size of the series has (a sweep of fewer seeds than the
    main export stays one consistent curve)."""
    common = set.intersection(*[set(pt.map) & set(pt.lat.get(col, {})) for pt in points.values()]) or None
    out = []
    for size, pt in points.items():
        lat = mean_spread([v for seed, v in pt.lat.get(col, {}).items() if common is None or seed in common])[0]
        acc = [v for seed, v in sorted(pt.map.items()) if common is None or seed in common]
        if lat and acc:
            out.append((lat, mean_spread(acc)[0], size, tuple(acc)))
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


def family_front(series: dict, dataset: str, model: str, precision: str, col: tuple, variant_: str = "",
                 heads: tuple = ("nms-free", "raw")) -> list:
    """The Pareto front of one model (or the LeakYOLO family's members) x precision over `heads`, all sizes and the
    sizes it was trained at (a user picks any)."""
    names = covered(model)
    pts = [p for k, v in series.items() if (k.dataset, k.precision, k.variant) == (dataset, precision, variant_)
           and family(k.model) in names and k.head in heads for p in curve(v, col)]
    return pareto(pts)


def at_training_size(series: dict, dataset: str, model: str, col: tuple, precision: str = "int8", variant_: str = "",
                     head: str = "raw"):
    """A model's curve point (p50 ms, mAP50-95, size, per-seed mAPs) at the size it was trained at, or None; like
    every point of its curve, over the seeds that every size has."""
    for k, v in series.items():
        if (k.dataset, k.model, k.precision, k.variant, k.head) == (dataset, model, precision, variant_, head):
            found = [p for p in curve(v, col) if p[2] == k.trained_at]
            if found:
                return found[0]
    return None


def frontier_table(series: dict, dataset: str, col: tuple) -> tuple:
    """(header, body) for one dataset and column: each series' sizes and its mAP at YOLO26n's latencies."""
    int8, fp32 = (at_training_size(series, dataset, BASELINE, col, p, head="nms-free") for p in ("int8", "fp32"))
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
        listed = ", ".join(f"{size} ({lat:.2f}, {acc:.3f})" for lat, acc, size, _ in sorted(pts, key=lambda p: p[2]))
        if len(pts) == 1:
            listed += " (one point: a frontier needs two)"
        body.append([label(key), str(key.trained_at or "—"), listed, fmt(map_at(front, int8[0])) if int8 else "—",
                     fmt(map_at(front, fp32[0])) if fp32 else "—", fmt(ms_for(front, fp32[1]), digits=2) if fp32 else "—"])
    return header, body


class Verdict(NamedTuple):
    """A frontier comparison: its word (dominates, is dominated, ties, leads, trails, crosses, faster, slower) and
    the sentence with the numbers behind it."""

    word: str
    text: str


def above(a: list, b: list, tol: float) -> bool:
    """Whether front a is above front b: a reaches some of b's points (one at least as slow as a's fastest), is
    higher by more than tol points at every latency both reach (a front keeps its best beyond its slowest point;
    both are linear between points, so the start of the overlap and every point after it are the latencies to
    check), and reaches b's best accuracy."""
    lo = max(a[0][0], b[0][0])
    xs = {lo, *(p[0] for p in a + b if p[0] >= lo)}
    return (b[-1][0] >= a[0][0] and all((map_at(a, x) - map_at(b, x)) * 100 > tol for x in xs)
            and a[-1][1] >= b[-1][1])


def gaps(front: list, lo: float, hi: float, step: int) -> list:
    """Neighbouring points of a front inside [lo, hi] ms whose input sizes lie more than `step` px apart: the
    verdict interpolates across them."""
    return [f"{p[2]}->{q[2]} px" for p, q in zip(front, front[1:])
            if q[0] > lo and p[0] < hi and abs(q[2] - p[2]) > step]


def overlap_text(ours: list, theirs: list, tol: float, step: int, unit: str = "ms") -> Verdict:
    """The verdict where neither front is above the other: ties, leads / trails (not reaching their best), or
    crosses (where ours leads), over the latencies both reach."""
    lo, hi = max(ours[0][0], theirs[0][0]), min(ours[-1][0], theirs[-1][0])
    xs = sorted({lo, hi, *(p[0] for p in ours + theirs if lo <= p[0] <= hi)})
    diffs = [(x, (map_at(ours, x) - map_at(theirs, x)) * 100) for x in xs]
    span = f"{min(d for _, d in diffs):+.1f} to {max(d for _, d in diffs):+.1f} points over {lo:.2f}-{hi:.2f} {unit}"
    best = (ours[-1][1] - theirs[-1][1]) * 100
    bests = f"best {ours[-1][1]:.3f} vs {theirs[-1][1]:.3f} ({best:+.1f} points)"
    across = gaps(ours, lo, hi, step) + gaps(theirs, lo, hi, step)
    note = f"; interpolated across {', '.join(across)}" if across else ""
    if all(abs(d) <= tol for _, d in diffs):
        return Verdict("ties", f"ties: {span}, within the margin; {bests}{note}")
    if all(d > tol for _, d in diffs):  # yet not above: their slower points pass our best or come within the margin
        why = ("but does not reach their best" if best < 0 else
               f"but beyond {hi:.2f} {unit} their slower points come within the margin of our best")
        return Verdict("leads", f"leads by {span}, {why}: {bests}{note}")
    if all(d < -tol for _, d in diffs):
        return Verdict("trails", f"trails: {span}; {bests}{note}")
    lead = [x for x, d in diffs if d > tol]
    at = f"{min(lead):.2f}" + (f"-{max(lead):.2f}" if lead and max(lead) > min(lead) else "") if lead else ""
    where = f"ours leads at {at} {unit}" if lead else "ours never leads by more than the margin"
    return Verdict("crosses", f"crosses: {where}; {span}; {bests}{note}")


def verdict(ours: list, theirs: list, tol: Optional[float], step: int, unit: str = "ms") -> Verdict:
    """Our Pareto front against theirs. dominates: at every latency both reach, ours is higher by more than the
    margin `tol` (points; None: one seed, no margin, judged as 0), and ours reaches their best accuracy; "is
    dominated" the same the other way round. Otherwise the words say what holds (ties, leads, trails,
    crosses; faster / slower at every point when the latencies do not overlap). `step`: the sweep's size step,
    wider gaps are named; `unit`: the cost axis (latency by default)."""
    tol = tol or 0.0
    if above(ours, theirs, tol):
        alone = f"; theirs alone has points below {ours[0][0]:.2f} {unit}" if theirs[0][0] < ours[0][0] else ""
        return Verdict("dominates", f"dominates: ours best {ours[-1][1]:.3f} vs theirs {theirs[-1][1]:.3f}{alone}")
    if above(theirs, ours, tol):
        alone = f"; ours alone has points below {theirs[0][0]:.2f} {unit}" if ours[0][0] < theirs[0][0] else ""
        return Verdict("is dominated", f"is dominated: ours best {ours[-1][1]:.3f} vs theirs {theirs[-1][1]:.3f}{alone}")
    below = (theirs[-1][1] - ours[-1][1]) * 100
    if ours[-1][0] < theirs[0][0]:
        return Verdict("faster", f"faster at every point (ours slowest {ours[-1][0]:.2f} {unit}, theirs fastest "
                                 f"{theirs[0][0]:.2f} {unit}), {below:.1f} points below their best {theirs[-1][1]:.3f}")
    if theirs[-1][0] < ours[0][0]:
        return Verdict("slower", f"slower at every point (ours fastest {ours[0][0]:.2f} {unit}, theirs slowest "
                                 f"{theirs[-1][0]:.2f} {unit}), {-below:+.1f} points vs their best {theirs[-1][1]:.3f}")
    return overlap_text(ours, theirs, tol, step, unit)


HEAD_VIEWS = {"NMS-free": ("nms-free",), "raw + NMS": ("raw",), "best of both heads": ("nms-free", "raw")}
LIKE_FOR_LIKE = {view: heads for view, heads in HEAD_VIEWS.items() if len(heads) == 1}  # one head a side


def size_step(series: dict, dataset: str) -> int:
    """The sweep's step: the smallest difference between input sizes measured on the dataset (32 if one size)."""
    sizes = sorted({size for k, v in series.items() if k.dataset == dataset for size in v})
    return min((b - a for a, b in zip(sizes, sizes[1:])), default=32)


def verdicts(series: dict, datasets: list, columns: list) -> tuple:
    """(header, body): per dataset, column and head view (like for like: NMS-free vs NMS-free, raw + NMS vs
    raw + NMS, then the best of both heads on both sides), each non-YOLO26n INT8 family's front against YOLO26n
    FP32's and our YOLO26n INT8's, with the seeds and the margin."""
    body = []
    for dataset in datasets:
        for col, model, precision, (view, heads) in ((c, m, p, v) for c in columns for m in subjects(series, dataset)
                                                     for p in ("fp32", "int8") for v in HEAD_VIEWS.items()):
            found = head_verdict(series, dataset, model, precision, col, heads)
            if found:
                body.append([f"{model} INT8 vs {BASELINE} {precision.upper()}", view,
                             f"{dataset}, {col[0]}, {col[1]} thr", *found.cells])
    return ["frontier", "heads", "where", "seeds, margin (points)", "verdict"], body


def subjects(series: dict, dataset: str) -> list:
    """The families judged against YOLO26n on a dataset: every one with our INT8 ONNX Runtime files but its own, and
    the LeakYOLO family's members together."""
    return with_family({family(k.model) for k in series if k.dataset == dataset and k.precision == "int8"
                        and not k.variant and family(k.model) != BASELINE})


def head_verdict(series: dict, dataset: str, model: str, precision: str, col: tuple, heads: tuple):
    """A family's INT8 front judged against YOLO26n's (precision), same heads; None if either is empty."""
    ours = family_front(series, dataset, model, "int8", col, heads=heads)
    theirs = family_front(series, dataset, BASELINE, precision, col, heads=heads)
    return judged(ours, theirs, size_step(series, dataset)) if ours and theirs else None


class Judged(NamedTuple):
    """Two fronts judged: the seeds every point has, the table's seeds-and-margin cell and the verdict text."""
    seeds: int
    margin: str
    text: str

    @property
    def cells(self) -> list:
        return [self.margin, self.text]


def judged(ours: list, theirs: list, step: int, unit: str = "ms") -> Judged:
    """Two fronts judged; without a margin (one seed) the verdict says "unconfirmed"."""
    tol = margin(ours, theirs)
    n = min(len(p[3]) for p in ours + theirs)
    text = verdict(ours, theirs, tol, step, unit).text
    if tol is None:
        return Judged(n, f"{n} seed: no margin", f"unconfirmed (one seed): {text}")
    return Judged(n, f"{n} seeds: ±{tol:.1f}", text)
