"""The report's figures (PNG bytes), drawn from the typed rows with matplotlib."""

import io
import sys

from .results import mean_spread


def label(key) -> str:
    """A point's label: model, precision, and 'U' for Ultralytics' own INT8."""
    return f"{key.model} {key.precision}{' U' if key.variant else ''}"


def pareto(points: list) -> list:
    """The (latency, mAP) points no faster point beats in accuracy, fastest first."""
    front, best = [], -1.0
    for lat, acc, _ in sorted(points):
        if acc > best:
            front.append((lat, acc))
            best = acc
    return front


def latency_vs_map(ax, rows: dict, col: tuple, datasets: list) -> None:
    """Each row's model-only p50 against its mAP50-95, with each dataset's Pareto front."""
    for dataset in datasets:
        points = [(mean_spread(r.lat.get(col, []))[0], mean_spread(r.map)[0], label(k))
                  for k, r in rows.items() if k.dataset == dataset]
        points = [p for p in points if p[0] and p[1] is not None]
        for lat, acc, name in points:
            ax.scatter(lat, acc)
            ax.annotate(name, (lat, acc), fontsize=7, xytext=(3, 3), textcoords="offset points")
        front = pareto(points)
        if front:
            ax.plot(*zip(*front), "--", lw=1, label=f"Pareto front ({dataset})")
    ax.set_xlabel(f"model-only p50 latency, ms [{col[0]}, {col[1]} thr]")
    ax.set_ylabel("mAP50-95")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)


def latency_per_model(ax, rows: dict, columns: list) -> None:
    """Bars: each model x precision's p50 at every (machine, threads) column."""
    names = sorted({(k.model, k.precision, k.variant) for k in rows})
    width = 0.8 / max(len(columns), 1)
    for j, c in enumerate(columns):
        values = [mean_spread([v for k, r in rows.items() if (k.model, k.precision, k.variant) == n
                               for v in r.lat.get(c, [])])[0] or 0 for n in names]
        ax.bar([i + j * width for i in range(len(names))], values, width, label=f"{c[0]}, {c[1]} thr")
    ax.set_xticks([i + width * (len(columns) - 1) / 2 for i in range(len(names))])
    ax.set_xticklabels([f"{n[0]}\n{n[1]}{' U' if n[2] else ''}" for n in names], fontsize=7)
    ax.set_ylabel("model-only p50 latency, ms")
    ax.legend(fontsize=7)


def int8_speedup(ax, rows: dict, col: tuple) -> None:
    """Bars: each model's INT8 (ours) speedup over its own FP32."""
    models = sorted({k.model for k in rows})
    speedups = []
    for name in models:
        fp32 = mean_spread([v for k, r in rows.items() if (k.model, k.precision) == (name, "fp32")
                            for v in r.lat.get(col, [])])[0]
        int8 = mean_spread([v for k, r in rows.items() if (k.model, k.precision, k.variant) == (name, "int8", "")
                            for v in r.lat.get(col, [])])[0]
        speedups.append(fp32 / int8 if fp32 and int8 else 0)
    ax.bar(models, speedups)
    ax.axhline(1.0, color="gray", lw=1)
    ax.set_ylabel(f"INT8 speedup over own FP32 [{col[0]}, {col[1]} thr]")


def plots(rows: dict, columns: list, datasets: list) -> dict:
    """{file name: PNG bytes} of the report's figures (none without latency columns)."""
    if not columns:
        return {}
    try:
        import matplotlib
    except ImportError:
        print("report: no figures: they need matplotlib (pip install 'leakyolo[train]')", file=sys.stderr)
        return {}

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawers = {"latency_vs_map.png": ((6.5, 4.2), lambda ax: latency_vs_map(ax, rows, columns[0], datasets)),
               "latency_per_model.png": ((7.5, 4.2), lambda ax: latency_per_model(ax, rows, columns)),
               "int8_speedup.png": ((6.5, 3.8), lambda ax: int8_speedup(ax, rows, columns[0]))}
    out = {}
    for name, (size, draw) in drawers.items():
        fig, ax = plt.subplots(figsize=size)
        draw(ax)
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        out[name] = buf.getvalue()
    return out
