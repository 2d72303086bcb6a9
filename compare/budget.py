"""Which file to deploy for a latency budget: per runtime, the most accurate file of the LeakYOLO family (its
registered members: every model file of ours that is not a screening candidate) within each budget, beside
YOLO26n's most accurate file within it (ours or Ultralytics' own export, on the same runtime). Any precision, input
size and head counts: a user picks any. The budgets are YOLO26n's own Pareto points on that runtime (what its
latency buys; budgets within 5% of each other merged) and our fastest point."""

import statistics

from leakyolo.base.defaults import BASELINE

from .family import members
from .frontier import curve, family, pareto
from .names import RUNTIME_NAMES, how_made
from .margin import pooled_margin
from .runtimes import OURS_RUNTIMES

BUDGET_RULE = ("'deploy' names a side only where its mAP50-95 is higher by more than twice the pooled standard error "
               "over seeds")
BUDGET_TEXT = ("With a budget of N ms per frame (end-to-end p50 on that machine and thread count), the most "
               "accurate file of the LeakYOLO family (its registered members, not screening candidates) and of YOLO26n "
               "(our files and Ultralytics' own exports) on the same runtime: any precision, input size and head. "
               "Budgets: YOLO26n's Pareto points on that runtime, and our fastest file. " + BUDGET_RULE +
               "; otherwise 'either', or 'unconfirmed' with one seed.")
RUNTIMES = {v or "onnxruntime": (v, "-".join(filter(None, ("ultralytics", v)))) for v in OURS_RUNTIMES}
# runtime -> (our file's variant, Ultralytics' file's variant on it), as names.variant spells them


def options(series: dict, dataset: str, models: set, col: tuple, variants: tuple) -> list:
    """[(p50 ms, mAP50-95, what, per-seed mAPs)]: every measured point of the models' files of these variants."""
    out = []
    for k, v in series.items():
        if k.dataset == dataset and family(k.model) in models and k.variant in variants:
            made = f", {how_made(k.variant)}" if k.variant.startswith("ultralytics") else ""
            out += [(ms, acc, f"{k.model} {k.precision.upper()} {size} px, {k.head}{made}", seeds)
                    for ms, acc, size, seeds in curve(v, col)]
    return out


def best_within(points: list, ms: float):
    """The most accurate point no slower than ms, or None."""
    return max((p for p in points if p[0] <= ms), key=lambda p: p[1], default=None)


def pick(ours, theirs) -> str:
    """Which side's file to deploy within a budget: 'LeakYOLO' or 'YOLO26n' when its mAP is higher by more than twice
    the pooled standard error over seeds, 'either (within the margin)' otherwise; 'unconfirmed' when a side has
    one seed; the only side that has a file within the budget."""
    if not (ours and theirs):
        return ("LeakYOLO (no measured YOLO26n file this fast)" if ours else
                "YOLO26n (no measured LeakYOLO file this fast)")
    if min(len(ours[3]), len(theirs[3])) < 2:
        return "unconfirmed (one seed)"
    tol = pooled_margin(*((statistics.variance(p[3]), len(p[3])) for p in (ours, theirs)))
    diff = (ours[1] - theirs[1]) * 100
    return "LeakYOLO" if diff > tol else "YOLO26n" if diff < -tol else "either (within the margin)"


def text(point) -> str:
    """'0.642: leakyolo-n INT8 160 px, raw (0.95 ms)', '—' for none."""
    return f"{point[1]:.3f}: {point[2]} ({point[0]:.2f} ms)" if point else "—"


def thinned(budgets: set, gap: float = 0.05) -> list:
    """The budgets, ascending, a budget within `gap` (relative) of the next larger one merged into it."""
    kept = []
    for ms in sorted(budgets, reverse=True):
        if not kept or ms < kept[-1] * (1 - gap):
            kept.append(ms)
    return kept[::-1]


def budget_table(series: dict, dataset: str, col: tuple) -> tuple:
    """(header, body) of one dataset and (machine, threads) column: per runtime and budget, the most accurate file
    of each side and which to deploy; empty when there is no family member or no YOLO26n file."""
    body, family_ = [], members()
    for runtime, (ours_variant, theirs_variant) in RUNTIMES.items():
        ours = options(series, dataset, family_, col, (ours_variant,))
        theirs = options(series, dataset, {BASELINE}, col, (ours_variant, theirs_variant))
        if not (ours and theirs):
            continue
        for ms in thinned({p[0] for p in pareto(theirs)} | {min(p[0] for p in ours)}):
            mine, their = best_within(ours, ms), best_within(theirs, ms)
            body.append([RUNTIME_NAMES[runtime], f"{ms:.2f}", text(mine), text(their), pick(mine, their)])
    header = [f"runtime [{dataset}, {col[0]}, {col[1]} thr]", "budget (e2e p50 ms)", "LeakYOLO family: best within",
              f"{BASELINE}: best within", "deploy"]
    return header, body
