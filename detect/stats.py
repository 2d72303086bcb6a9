"""Latency statistics."""

import numpy as np


def achieved_gops(giga_ops: float, p50_ms: float) -> float:
    """Operations per second (GOPS) of a model doing giga_ops per inference at a p50 of p50_ms."""
    return giga_ops / (p50_ms / 1e3)


def summarize(ms: list) -> dict:
    """p50 / p90 / p99, mean, spread (std, min, max, IQR) in milliseconds."""
    a = np.asarray(ms, dtype=np.float64)
    p25, p50, p75, p90, p99 = np.percentile(a, [25, 50, 75, 90, 99])
    return {"n": int(a.size), "p50": round(p50, 4), "p90": round(p90, 4), "p99": round(p99, 4),
            "mean": round(float(a.mean()), 4), "std": round(float(a.std()), 4), "min": round(float(a.min()), 4),
            "max": round(float(a.max()), 4), "iqr": round(p75 - p25, 4)}
