"""The report's figures (PNG bytes), one set per dataset, drawn from the typed rows with matplotlib.

Each figure is titled with its dataset, machine, thread count and units; where a row has several seeds
the error bars are their standard deviation. No figure averages across datasets.
"""

import io
import os
import statistics
import sys

from leakyolo.base.offline import configure_matplotlib
from leakyolo.base.paths import safe_name

from .frontier import LIKE_FOR_LIKE, curve, family, family_front, pareto
from .names import MAIN_VARIANTS, how_made, row_label as label
from .results import mean_spread

MARKERS = "osD^v<>pPX*h"


def latency_vs_map(ax, rows: dict, col: tuple, dataset: str) -> None:
    """One dataset: each row's model-only p50 against its mAP50-95 (± std over seeds), Pareto front dashed."""
    points = []
    for i, (key, row) in enumerate(sorted((k, r) for k, r in rows.items() if k.dataset == dataset)):
        lat, lat_std = mean_spread(row.lat.get(col, []))
        acc, acc_std = mean_spread(row.map)
        if lat and acc is not None:
            ax.errorbar(lat, acc, xerr=lat_std, yerr=acc_std, fmt=MARKERS[i % len(MARKERS)], capsize=3,
                        label=label(key))
            points.append((lat, acc))
    if len(points) > 1:
        ax.plot(*zip(*pareto(points)), "--", color="gray", lw=1, label="Pareto front")
    ax.set_title(f"{dataset}: accuracy vs latency\n{col[0]}, {col[1]} thread(s)", fontsize=9)
    ax.set_xlabel("model-only p50 latency (ms)")
    ax.set_ylabel("mAP50-95 (val)")
    ax.legend(fontsize=7, loc="best")


def latency_per_model(ax, rows: dict, columns: list, dataset: str) -> None:
    """One dataset: bars of each model x precision's p50 (± std over seeds) at every column."""
    keys = sorted(k for k in rows if k.dataset == dataset)
    width = 0.8 / max(len(columns), 1)
    for j, col in enumerate(columns):
        stats = [mean_spread(rows[k].lat.get(col, [])) for k in keys]
        ax.bar([i + j * width for i in range(len(keys))], [m or 0 for m, _ in stats], width,
               yerr=[s or 0 for _, s in stats], capsize=2, label=f"{col[0]}, {col[1]} thread(s)")
    ax.set_xticks([i + width * (len(columns) - 1) / 2 for i in range(len(keys))])
    ax.set_xticklabels([label(k).replace(" ", "\n", 1) for k in keys], fontsize=7)
    ax.set_title(f"{dataset}: model-only latency per model", fontsize=9)
    ax.set_ylabel("p50 latency (ms)")
    ax.legend(fontsize=7)


def int8_speedup(ax, rows: dict, columns: list, dataset: str) -> None:
    """One dataset: each model's INT8 (ours) speedup over its own FP32, per column."""
    models = sorted({k.model for k in rows if k.dataset == dataset})
    width = 0.8 / max(len(columns), 1)
    for j, col in enumerate(columns):
        speedups = []
        for name in models:
            fp32 = next((mean_spread(r.lat.get(col, []))[0] for k, r in rows.items()
                         if (k.dataset, k.model, k.precision, k.variant) == (dataset, name, "fp32", "")), None)
            int8 = next((mean_spread(r.lat.get(col, []))[0] for k, r in rows.items()
                         if (k.dataset, k.model, k.precision, k.variant) == (dataset, name, "int8", "")), None)
            speedups.append(fp32 / int8 if fp32 and int8 else 0)
        ax.bar([i + j * width for i in range(len(models))], speedups, width, label=f"{col[0]}, {col[1]} thread(s)")
    ax.set_xticks([i + width * (len(columns) - 1) / 2 for i in range(len(models))])
    ax.set_xticklabels(models, fontsize=8)
    ax.axhline(1.0, color="gray", lw=1)
    ax.set_title(f"{dataset}: INT8 speedup over the same model's FP32", fontsize=9)
    ax.set_ylabel("FP32 p50 / INT8 p50 (x)")
    ax.legend(fontsize=7)


def families(series: dict, dataset: str) -> list:
    """(family, precision, variant) of every ONNX Runtime series of a dataset, in a fixed order."""
    return sorted({(family(k.model), k.precision, k.variant) for k in series
                   if k.dataset == dataset and k.variant in MAIN_VARIANTS})


def frontier(axes, series: dict, col: tuple, dataset: str) -> None:
    """One panel per head: each family's Pareto front (its input sizes and training sizes), end-to-end p50
    against mAP50-95, error bars the std over seeds, points labelled with their input size."""
    from matplotlib import colormaps

    names = sorted({f for f, _, _ in families(series, dataset)})
    for ax, (view, heads) in zip(axes, LIKE_FOR_LIKE.items()):
        for fam, precision, variant in families(series, dataset):
            front = family_front(series, dataset, fam, precision, col, variant, heads)
            if not front:
                continue
            errs = [statistics.stdev(p[3]) if len(p[3]) > 1 else 0.0 for p in front]
            color = colormaps["tab10"](names.index(fam) % 10)
            ax.errorbar([p[0] for p in front], [p[1] for p in front], yerr=errs, capsize=2, color=color,
                        fmt=("-" if precision == "int8" else "--") + ("s" if variant else "o"), markersize=4,
                        label=f"{fam} {precision}{f' ({how_made(variant)})' if variant else ''}")
            for lat, acc, size, _ in front:
                ax.annotate(str(size), (lat, acc), textcoords="offset points", xytext=(3, 3), fontsize=6, color=color)
        ax.set_title(f"{dataset}, {view} head: Pareto fronts (labels: input px)\n{col[0]}, {col[1]} thread(s)",
                     fontsize=9)
        ax.set_xlabel("end-to-end p50 (ms), NMS included for raw heads")
        ax.set_ylabel("mAP50-95 (val), error bars: std over seeds")
        ax.legend(fontsize=6, loc="lower right")


def learning_curves(ax, trainings: list, dataset: str) -> None:
    """One dataset: validation mAP50-95 per epoch, each seed thin, each model's mean over seeds thick, the plateau
    epochs marked."""
    from matplotlib import colormaps

    runs = [t for t in trainings if t["dataset"] == dataset and t["curve"]]
    models = sorted({t["model"] for t in runs})
    for i, model in enumerate(models):
        color = colormaps["tab10"](i % 10)
        mine = [t for t in runs if t["model"] == model]
        for t in mine:
            ax.plot(range(1, len(t["curve"]) + 1), t["curve"], color=color, lw=0.6, alpha=0.5)
            if t.get("plateau_epoch"):
                ax.plot(t["plateau_epoch"], t["curve"][t["plateau_epoch"] - 1], "v", color=color, markersize=5)
        length = min(len(t["curve"]) for t in mine)
        mean = [statistics.fmean(t["curve"][e] for t in mine) for e in range(length)]
        ax.plot(range(1, length + 1), mean, color=color, lw=2, label=f"{model} (mean of {len(mine)} seed(s))")
    ax.set_title(f"{dataset}: validation mAP50-95 per epoch (PyTorch; triangles: plateau epochs)", fontsize=9)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mAP50-95 (val)")
    ax.legend(fontsize=7, loc="lower right")


def figure_specs(rows: dict, columns: list, datasets: list, series: dict, trainings: list = ()) -> dict:
    """{file name: (figure size, panels, draw(axes))} for every figure of the report."""
    specs = {f"learning_curves-{safe_name(d)}.png": ((7.5, 4.6), 1,
                                                     lambda ax, d=d: learning_curves(ax[0], trainings, d))
             for d in sorted({t["dataset"] for t in trainings if t["curve"]})}
    for dataset in datasets:
        for col in columns:
            specs[f"latency_vs_map-{safe_name(dataset)}-{safe_name(col[1])}thr.png"] = (
                (6.5, 4.6), 1, lambda ax, d=dataset, c=col: latency_vs_map(ax[0], rows, c, d))
            if any(len(curve(v, col)) > 1 for k, v in series.items() if k.dataset == dataset):
                specs[f"frontier-{safe_name(dataset)}-{safe_name(col[1])}thr.png"] = (
                    (12, 5.2), 2, lambda ax, d=dataset, c=col: frontier(ax, series, c, d))
        specs[f"latency_per_model-{safe_name(dataset)}.png"] = ((7.5, 4.4), 1, lambda ax, d=dataset: latency_per_model(
            ax[0], rows, columns, d))
        specs[f"int8_speedup-{safe_name(dataset)}.png"] = ((6.5, 4.0), 1, lambda ax, d=dataset: int8_speedup(
            ax[0], rows, columns, d))
    return specs


def plots(rows: dict, columns: list, datasets: list, series: dict, trainings: list = ()) -> dict:
    """{file name: PNG bytes} of the report's figures (none without latency columns)."""
    if not columns:
        return {}
    configure_matplotlib()
    try:
        import matplotlib
    except ImportError:
        print("report: no figures: they need matplotlib (pip install 'leakyolo[train]')", file=sys.stderr)
        return {}
    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False  # names from result files are text: '$' is no formula
    import matplotlib.pyplot as plt

    out = {}
    for name, (size, panels, draw) in figure_specs(rows, columns, datasets, series, trainings).items():
        fig, axes = plt.subplots(1, panels, figsize=size, squeeze=False)
        draw(list(axes[0]))
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        out[name] = buf.getvalue()
    return out
