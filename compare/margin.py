"""The seed margin every verdict of a report uses (frontier, targets, budgets, learning-curve gaps)."""

import math


def pooled_margin(*sides) -> float:
    """Twice the pooled standard error of a difference of means, in points: sides are (variance, seeds) pairs."""
    return 2 * math.sqrt(sum(variance / n for variance, n in sides)) * 100
