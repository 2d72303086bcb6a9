"""The seed margin every verdict of a report uses (frontier, targets, budgets, learning-curve gaps): twice the pooled
standard error of a difference of means."""

import math
import statistics
from typing import Optional


def pooled_margin(*sides) -> float:
    """Twice the pooled standard error of a difference of means, in points: sides are (variance, seeds) pairs."""
    return 2 * math.sqrt(sum(variance / n for variance, n in sides)) * 100


def margin(ours: list, theirs: list) -> Optional[float]:
    """Twice the pooled standard error of the mAP difference, in points: each front's seed variance averaged over
    its points, divided by its seed count. None when a side has a point with fewer than 2 seeds."""
    parts = []
    for front in (ours, theirs):
        seeds = [p[3] for p in front]
        if any(len(s) < 2 for s in seeds):
            return None
        parts.append((statistics.mean(statistics.variance(s) for s in seeds), min(len(s) for s in seeds)))
    return pooled_margin(*parts)
