"""The LeakYOLO family's targets, checked from a report's frontier series, per dataset and (machine, threads):

- its INT8 front on ONNX Runtime dominates YOLO26n INT8's (our files), per head (NMS-free, raw + NMS);
- its front on its best runtime and precision dominates YOLO26n's on its best (raw head + NMS, Ultralytics' own
  exports counted on their side);
- it reaches YOLO26n FP32's accuracy (raw head at the training size, ONNX Runtime) minus 1 point in at most half
  the latency YOLO26n needs for it on its best runtime and precision.

"dominates" is the frontier's rule (compare/frontier.py `verdict`) with its seed margin; with one seed no target is
met ("unconfirmed"), nor on a dataset whose seeds spread wider than its models differ (targets.sanity_only).
Latencies and accuracies are means over the seeds every point has.
"""

from leakyolo.base.defaults import BASELINE

from .family import FAMILY
from .frontier import HEAD_VIEWS, at_training_size, head_verdict, ms_for, subjects
from .runtimes import OURS_RUNTIMES, THEIRS_RUNTIMES, best_front, best_runtime_verdict
from .targets import MAX_MAP_DROP, MAX_VS_INT8, met, sanity_only

LIKE_FOR_LIKE = ("NMS-free", "raw + NMS")


UNCONFIRMED = "— (one seed: unconfirmed)"


def dominance_row(target: str, where: str, found: list, sanity: str) -> list:
    """A 'dominates' target's row from [seeds and margin, verdict text]."""
    seeds, text = found
    ok = UNCONFIRMED if text.startswith("unconfirmed") else sanity or met(text.startswith("dominates"))
    return [target, f"{where}; {seeds}", text, ok]


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
    judge = (lambda ok: UNCONFIRMED) if seeds < 2 else (lambda ok: sanity or met(ok))
    where = f"{where}; {seeds} seed{'s' if seeds > 1 else ''}"
    if ours is None:
        return [target, where, f"never reaches {goal:.3f} (best {ours_front[-1][1]:.3f})", judge(False)]
    return [target, where, f"{ours / theirs:.3f}x ({ours:.2f} / {theirs:.2f} ms to reach {goal:.3f})",
            judge(ours / theirs <= MAX_VS_INT8)]


def family_targets(series: dict, columns: list, avg: dict) -> list:
    """The family's target rows (the targets table's columns), for each dataset where it has two members; avg: the
    targets table's averages (a dataset that cannot rank its models meets nothing)."""
    body = []
    for dataset in sorted({k.dataset for k in series if FAMILY in subjects(series, k.dataset)}):
        sanity = sanity_only(avg, dataset)
        for col in columns:
            where = f"{dataset}, {col[0]}, {col[1]} thr"
            for view in LIKE_FOR_LIKE:
                found = head_verdict(series, dataset, FAMILY, "int8", col, HEAD_VIEWS[view])
                if found:
                    body.append(dominance_row(f"{FAMILY} INT8 front dominates YOLO26n INT8's ({view})", where, found,
                                              sanity))
            found = best_runtime_verdict(series, dataset, FAMILY, col)
            if found:
                body.append(dominance_row(f"{FAMILY} front dominates YOLO26n's, each on its best runtime and "
                                          "precision (raw + NMS)", where, found, sanity))
            body += [row for row in [point_row(series, dataset, col, where, sanity)] if row]
    return body
