"""The report's tables as text cells, and their Markdown / HTML renderings."""

import html
import re

from .names import MAIN_VARIANTS, how_made
from .results import RowKey, mean_spread
from leakyolo.base.defaults import CONF as DEFAULT_CONF
from leakyolo.detect.stats import achieved_gops
from .targets import BASE as BASELINE


def md(text) -> str:
    """Text for a Markdown page or table cell: anything that would open an HTML tag, comment or entity is
    escaped (a plain '<= 0.33x' stays readable), table pipes are kept in their cell."""
    text = re.sub(r"&(?=#?\w+;)", "&amp;", str(text))
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text).replace("|", "\\|")


def fmt(value, spread=None, digits=3, scale=1.0) -> str:
    """A number with optional ± spread; '—' when missing."""
    if value is None:
        return "—"
    text = f"{value * scale:.{digits}f}"
    return f"{text} ± {spread * scale:.{digits}f}" if spread is not None else text


def int8_share(row, precision: str, p50, peak) -> str:
    """Achieved int8 throughput (model ops / p50) and its share of the machine's int8 GEMM peak."""
    if precision != "int8" or not (p50 and peak and row.giga_ops):
        return "—"
    achieved = achieved_gops(row.giga_ops, p50)
    return f"{achieved:.0f} ({100 * achieved / float(peak):.0f}%)"


def precision_label(key: RowKey) -> str:
    return key.precision + (f" ({how_made(key.variant)})" if key.variant else "")


def onnx_runtime_rows(rows: dict, dataset: str) -> list:
    """The keys the main tables show: our ONNX Runtime files and Ultralytics' INT8 (other runtimes: runtime_table)."""
    return sorted(k for k in rows if k.dataset == dataset and k.variant in MAIN_VARIANTS)


SEED_SPREAD = 0.02  # a mean whose seeds lie further apart than this (2 points) is shown with every seed's value


def with_seeds(values: list) -> str:
    """Mean ± std over seeds; each seed's value too when they lie more than SEED_SPREAD apart."""
    values = [v for v in values if v is not None]
    text = fmt(*mean_spread(values))
    if values and max(values) - min(values) > SEED_SPREAD:
        text += f" (seeds {' / '.join(f'{v:.3f}' for v in values)})"
    return text


def int8_drop(rows: dict, key: RowKey) -> str:
    """The INT8 mAP50-95 drop against the same model's FP32, in points."""
    map_mean = mean_spread(rows[key].map)[0]
    fp32 = rows.get(key._replace(precision="fp32", variant=""))
    fp32_mean = mean_spread(fp32.map)[0] if fp32 else None
    drop = (fp32_mean - map_mean) * 100 if key.precision == "int8" and None not in (fp32_mean, map_mean) else None
    return fmt(drop, digits=2)


def training_cost(row) -> str:
    """Mean training wall seconds over seeds, plus the teacher's (distilled, converted) where it had one."""
    own, teacher = mean_spread(row.train_s)[0], mean_spread(row.teacher_s)[0]
    if own is None:
        return "—"
    return f"{own:.0f}" + (f" (+ {teacher:.0f})" if teacher is not None else "")


def p50_cells(row, base, col) -> list:
    """p50 (± std over seeds) and the speedup vs the baseline, for one (machine, threads) column."""
    p50, p50_std = mean_spread(row.lat.get(col, []))
    base_p50 = mean_spread(base.lat.get(col, []))[0] if base else None
    return [fmt(p50, p50_std, 2) if p50 else "—", f"{base_p50 / p50:.2f}x" if p50 and base_p50 else "—"]


def table(rows: dict, columns: list, dataset: str) -> tuple:
    """(header, body) of one dataset's main table: accuracy (every seed where they disagree by more than 2
    points) and p50 with the speedup per (machine, threads) column."""
    base = rows.get(RowKey(dataset, *BASELINE))
    header = ["model", "precision", "mAP50-95", "mAP50"]
    for machine, threads in columns:
        header += [f"p50 ms [{machine}, {threads} thr]", f"vs YOLO26n FP32 [{machine}, {threads} thr]"]
    body = []
    for key in onnx_runtime_rows(rows, dataset):
        row = rows[key]
        cells = [key.model, precision_label(key), with_seeds(row.map), fmt(*mean_spread(row.map50))]
        for col in columns:
            cells += p50_cells(row, base, col)
        body.append(cells)
    return header, body


def detail_table(rows: dict, columns: list, peaks: dict, dataset: str) -> tuple:
    """(header, body) of one dataset's details: model facts, training cost, INT8 drop, p90 and int8 GOPS."""
    header = ["model", "precision", "activation", "params (M)", "GFLOPs@640", "file MB", "epochs",
              "training s (+ teacher's)", "INT8 mAP drop (pts)"]
    for machine, threads in columns:
        header += [f"p90 ms [{machine}, {threads} thr]", f"int8 GOPS (% of GEMM peak) [{machine}, {threads} thr]"]
    body = []
    for key in onnx_runtime_rows(rows, dataset):
        row, card = rows[key], rows[key].card
        cells = [key.model, precision_label(key), card.get("activation") or "—",
                 fmt(card.get("params"), digits=2, scale=1e-6) if card.get("params") else "—",
                 fmt(card.get("gflops@640"), digits=2), fmt(row.size_mb, digits=1), str(card.get("epochs") or "—"),
                 training_cost(row), int8_drop(rows, key)]
        for col in columns:
            p50 = mean_spread(row.lat.get(col, []))[0]
            cells += [fmt(mean_spread(row.lat90.get(col, []))[0], digits=2), int8_share(row, key.precision, p50,
                                                                                       peaks.get(col))]
        body.append(cells)
    return header, body


def arm_table(arms: list, names: dict) -> tuple:
    """Emulated-ARM parity and instructions per inference, with the ratio to YOLO26n FP32 on ONNX Runtime with the
    same head, per core."""
    from .names import RUNTIME_NAMES

    rows = [r for _, record in arms for r in record["models"]]
    runtime, head = (lambda r: r.get("runtime", "onnxruntime")), (lambda r: r.get("head", "—"))  # older rows: no head
    base = {(r["core"], head(r)): r.get("instructions_per_inference") for r in rows
            if (names.get(r["sha256"]), r["precision"], runtime(r)) == (BASELINE[0], "fp32", "onnxruntime")}
    header = ["model", "precision", "runtime", "head", "emulated core", "parity (max diff; NCNN: box px, score)",
              "instructions / inference (M)", "spread", "vs YOLO26n FP32 (ONNX Runtime, same head)"]
    body = []
    for r in rows:
        n, ref = r.get("instructions_per_inference"), base.get((r["core"], head(r)))
        spread = f"{r['instructions_spread']:.2%}" if "instructions_spread" in r else "—"
        body.append([names.get(r["sha256"], r["file"]), r["precision"], RUNTIME_NAMES[runtime(r)], head(r), r["core"],
                     parity_cell(r["parity"]),
                     f"{n / 1e6:.1f}" if n else "—", spread, f"{n / ref:.2f}x" if n and ref else "—"])
    return header, body


def parity_cell(parity: dict) -> str:
    """The parity column: the word and the largest difference, or why nothing was compared."""
    from .arm import parity_word

    word = parity_word(parity)
    if word == "not compared":
        return f"not compared (no detection >= {DEFAULT_CONF} on the image)"
    score = f", score {parity['max_score_diff']:.2g}" if "max_score_diff" in parity else ""  # NCNN's fp16 rows
    return f"{word} ({parity['max_abs_diff']:.2g}{score})"


def markdown_table(header: list, body: list) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(map(md, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(md, r)) + " |" for r in body]
    return "\n".join(lines)


def html_cell(text: str) -> str:
    """Escaped text; Markdown **bold** (the targets' "no") becomes <strong>."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))


def html_table(header: list, body: list) -> str:
    """An HTML table."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = "".join("<tr>" + "".join(f"<td>{html_cell(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def gemm_peaks_text(peaks: dict, fp32: dict) -> str:
    """The int8 GEMM peaks and, where measured, their ratio to the fp32 GEMM peak on the same machine."""
    if not peaks:
        return "not measured"
    return "; ".join(f"{m}, {t} thr: {g:.0f} GOPS" + (f", {g / fp32[m, t]:.1f}x its fp32 GEMM peak of "
                                                      f"{fp32[m, t]:.0f} GFLOPS" if fp32.get((m, t)) else "")
                     for (m, t), g in peaks.items())


def summary(rows: dict, columns: list, peaks: dict, title: str, note: str, machines: dict, benches: list,
            sections: tuple = (), limits: tuple = ()) -> str:
    """The headline tables (mAP, and latency on the first machine), then sections ((caption, (header, body)) each,
    left out when empty: targets, verdicts, budgets) and what the numbers rest on, with machine and date."""
    label = columns[0][0] if columns else None
    m = machines.get(label)
    machine = f"{label} ({m.get('cores')} cores, onnxruntime {m.get('onnxruntime')})" if m else "no machine"
    measured = max((r.get("created", "")[:10] for _, r in benches), default="") or "unknown date"
    lines = [f"**{md(title)}**{f' ({md(note)})' if note else ''}. Latency measured on {md(machine)}, {measured}.", ""]
    for dataset in sorted({k.dataset for k in rows}):
        header, body = table(rows, columns, dataset)
        picked = [i for i, h in enumerate(header) if "[" not in h or f"[{label}, " in h]
        short = [header[i].replace(f" [{label}, ", ", ").rstrip("]") for i in picked]
        lines += [f"{md(dataset)}:", "", markdown_table(short, [[r[i] for i in picked] for r in body]), ""]
    for caption, (header, body) in sections:
        if body:
            lines += [f"{caption}:", "", markdown_table(header, body), ""]
    if limits:
        lines += ["What these numbers rest on (generated from the same result files):", "",
                  *(f"- {md(line)}" for line in limits), ""]
    return "\n".join(lines)
