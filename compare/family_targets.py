"""The LeakYOLO family's targets, checked from a report's frontier series, per dataset and (machine, threads):

- its INT8 front on ONNX Runtime dominates YOLO26n INT8's (our files), per head (NMS-free, raw + NMS);
- its front on its best runtime and precision dominates YOLO26n's on its best (raw head + NMS, Ultralytics' own
  exports counted on their side);
- it reaches YOLO26n FP32's accuracy (raw head at the training size, ONNX Runtime) minus 1 point in at most half
  the latency YOLO26n needs for it on its best runtime and precision;
- on each emulated ARM core, its front on its best runtime and precision dominates YOLO26n's, instructions per
  inference for latency (the ARM stage counts one seed: never more than "unconfirmed").

"dominates" is the frontier's rule (compare/frontier.py `verdict`) with its seed margin. A target is met on
FAMILY_MIN_SEEDS seeds or more (they are set on the converged profile's 3); with one seed nothing is met or missed
("unconfirmed"), on fewer than FAMILY_MIN_SEEDS a rule that holds says so without "yes", and on a dataset whose
seeds spread wider than its models differ nothing is met (targets.sanity_only).
Latencies and accuracies are means over the seeds every point has.
"""

from leakyolo.base.defaults import BASELINE

from .family import FAMILY, members
from .frontier import (LIKE_FOR_LIKE, Judged, at_training_size, family, head_verdict, judged, ms_for, pareto,
                       subjects)
from .names import base_name, card_of
from .runtimes import OURS_RUNTIMES, THEIRS_RUNTIMES, arm_cells, best_front, best_runtime_verdict
from .targets import MAX_MAP_DROP, MAX_VS_INT8, met, sanity_only


FAMILY_MIN_SEEDS = 3


def judge(ok: bool, seeds: int, sanity: str) -> str:
    """A family target's 'met' cell: unconfirmed with one seed, the sanity verdict of a dataset that cannot rank its
    models, a rule that holds on fewer than FAMILY_MIN_SEEDS seeds said without "yes", else yes / no."""
    if seeds < 2:
        return "— (one seed: unconfirmed)"
    if sanity:
        return sanity
    if ok and seeds < FAMILY_MIN_SEEDS:
        return f"— (holds on {seeds} seeds; the target needs {FAMILY_MIN_SEEDS})"
    return met(ok)


def dominance_row(target: str, where: str, found: Judged, sanity: str) -> list:
    """A 'dominates' target's row from two fronts judged."""
    return [target, f"{where}; {found.margin}", found.text,
            judge(found.text.startswith("dominates"), found.seeds, sanity)]


def point_row(series: dict, dataset: str, col: tuple, where: str, sanity: str) -> list:
    """The latency target at YOLO26n FP32's accuracy minus MAX_MAP_DROP points, both sides on their best runtime."""
    fp32 = at_training_size(series, dataset, BASELINE, col, "fp32")
    if not fp32:
        return []
    goal = fp32[1] - MAX_MAP_DROP / 100
    ours_front = best_front(series, dataset, FAMILY, col, OURS_RUNTIMES)
    ours, theirs = ms_for(ours_front, goal), ms_for(best_front(series, dataset, BASELINE, col, THEIRS_RUNTIMES), goal)
    if not (ours_front and theirs):
        return []
    target = (f"{FAMILY} at YOLO26n FP32's mAP50-95 - {MAX_MAP_DROP:g} point: <= {MAX_VS_INT8}x YOLO26n's latency "
              "for it (each on its best runtime and precision)")
    seeds = min(len(p[3]) for p in ours_front + [fp32])
    where = f"{where}; {seeds} seed{'s' if seeds > 1 else ''}"
    if ours is None:
        best = ours_front[-1][1]
        return [target, where, f"never reaches {goal:.3f} (best {best:.3f})", judge(False, seeds, sanity)]
    ratio = ours / theirs
    return [target, where, f"{ratio:.3f}x ({ours:.2f} / {theirs:.2f} ms to reach {goal:.3f})",
            judge(ratio <= MAX_VS_INT8, seeds, sanity)]


def arm_front(found: dict, core: str, names: set) -> list:
    """The Pareto front (M instructions, mAP50-95, size, per-seed mAPs) of the models in names on one emulated core,
    every runtime and precision whose file was evaluated (one size: the training size)."""
    return pareto([(n / 1e6, acc, 0, (acc,)) for (c, model), files in found.items()
                   if c == core and family(base_name(model)) in names for n, acc in files.values() if acc is not None])


def arm_rows(results, names: dict, avg: dict) -> list:
    """The best-runtime target on each emulated ARM core where two or more members ran, against YOLO26n's files by us
    and by Ultralytics (raw head, the ARM stage's seed and the x86 eval's mAP of each file)."""
    found, body = arm_cells(results, names), []
    counted = {r["sha256"] for _, record in results.arms for r in record["models"]}
    datasets = {card_of(m, record)["dataset"] for _, record in results.evals for m in record["models"]
                if m["sha256"] in counted}
    dataset = ", ".join(sorted(map(str, datasets)))
    for core in sorted({c for c, _ in found}):
        if len({family(base_name(m)) for c, m in found if c == core} & members()) < 2:
            continue
        ours, theirs = arm_front(found, core, members()), arm_front(found, core, {BASELINE})
        if ours and theirs:
            body.append(dominance_row(f"{FAMILY} front dominates YOLO26n's, each on its best runtime and precision "
                                      "(raw head)", f"{dataset}, emulated {core} (qemu), instructions per inference",
                                      judged(ours, theirs, 0, "M instructions"), sanity_only(avg, dataset)))
    return body


def family_targets(series: dict, columns: list, avg: dict) -> list:
    """The family's target rows (the targets table's columns), for each dataset where it has two members; avg: the
    targets table's averages (a dataset that cannot rank its models meets nothing)."""
    body = []
    for dataset in sorted({k.dataset for k in series if FAMILY in subjects(series, k.dataset)}):
        sanity = sanity_only(avg, dataset)
        for col in columns:
            where = f"{dataset}, {col[0]}, {col[1]} thr"
            for view, heads in LIKE_FOR_LIKE.items():
                found = head_verdict(series, dataset, FAMILY, "int8", col, heads)
                if found:
                    body.append(dominance_row(f"{FAMILY} INT8 front dominates YOLO26n INT8's ({view})", where, found,
                                              sanity))
            found = best_runtime_verdict(series, dataset, FAMILY, col)
            if found:
                body.append(dominance_row(f"{FAMILY} front dominates YOLO26n's, each on its best runtime and "
                                          "precision (raw + NMS)", where, found, sanity))
            body += [row for row in [point_row(series, dataset, col, where, sanity)] if row]
    return body
