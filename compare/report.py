"""`leakyolo report`: merge bench and eval JSON (any number of machines) into report.md / report.html."""

import base64
import html
import io
import json
import os
import re
import statistics
from collections import defaultdict
from pathlib import Path

from leakyolo.errors import UserError
from leakyolo.provenance import atomic_write_bytes, stamp, write_json

from .arm import SCHEMA as ARM_SCHEMA
from .bench import SCHEMA as BENCH_SCHEMA
from .evaluate import SCHEMA as EVAL_SCHEMA
from .stats import achieved_gops
from .targets import check as check_targets

README_BEGIN, README_END = "<!-- leakyolo report: begin -->", "<!-- leakyolo report: end -->"
BASELINE = ("yolo26n", "fp32", "")  # speedups are relative to YOLO26n FP32 on the same machine and threads
REQUIRED = {  # fields every record of a kind, and each of its model rows, must have
    BENCH_SCHEMA: (("models", "machine"), ("file", "sha256", "card", "results")),
    EVAL_SCHEMA: (("models", "data"), ("file", "sha256", "card", "mAP50-95", "mAP50")),
    ARM_SCHEMA: (("models",), ("file", "sha256", "precision", "core", "parity")),
}
TARGETS_TEXT = ("What LeakYOLO is for: its INT8 model much faster than YOLO26n at the same accuracy. Each line is "
                "computed from the tables above; the accuracy target counts only with at least 2 seeds per model.")


def load_results(files: list) -> tuple:
    """(bench, eval, arm records), each checked for a known schema."""
    benches, evals, arms = [], [], []
    for f in map(Path, files):
        try:
            record = json.loads(f.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise UserError(f"{f}: not a readable JSON result ({type(e).__name__})") from None
        schema = record.get("schema") if isinstance(record, dict) else None
        if schema in REQUIRED:
            check_fields(f, record, *REQUIRED[schema])
        if schema == BENCH_SCHEMA:
            benches.append((f, record))
        elif schema == EVAL_SCHEMA:
            evals.append((f, record))
        elif schema == ARM_SCHEMA:
            arms.append((f, record))
        else:
            raise UserError(f"{f}: schema {schema!r} is not {BENCH_SCHEMA}, {EVAL_SCHEMA} or {ARM_SCHEMA}; "
                            f"regenerate it with this version of leakyolo bench / eval / arm")
    if not benches and not evals:
        raise UserError("no results given: pass bench and/or eval JSON files")
    check_common_models(benches)
    return benches, evals, arms


def check_fields(f: Path, record: dict, fields: tuple, row_fields: tuple) -> None:
    """One line naming the file and the missing field, instead of a KeyError deep in the report."""
    missing = [k for k in fields if k not in record]
    models = record.get("models")
    if not missing and (not isinstance(models, list) or not models):
        missing = ["models (a non-empty list)"]
    for i, row in enumerate([] if missing else models):
        gone = [k for k in row_fields if not isinstance(row, dict) or k not in row]
        if gone:
            missing = [f"models[{i}].{k}" for k in gone]
            break
    if missing:
        raise UserError(f"{f}: {record['schema']} record without {', '.join(missing)}; regenerate it with "
                        f"leakyolo bench / eval / arm")


def md(text) -> str:
    """Text for a Markdown page or table cell: anything that would open an HTML tag, comment or entity is
    escaped (a plain '<= 0.33x' stays readable), table pipes are kept in their cell."""
    text = re.sub(r"&(?=#?\w+;)", "&amp;", str(text))
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text).replace("|", "\\|")


def arm_table(arms: list, names: dict) -> tuple:
    """Emulated-ARM parity and instructions per inference, with the ratio to YOLO26n FP32 per core."""
    rows = [r for _, record in arms for r in record["models"]]
    base = {r["core"]: r.get("instructions_per_inference") for r in rows
            if names.get(r["sha256"], ("",))[0] == "yolo26n" and r["precision"] == "fp32"}
    header = ["model", "precision", "emulated core", "parity (max abs diff)", "instructions / inference (M)",
              "spread", "vs YOLO26n FP32"]
    body = []
    for r in rows:
        n = r.get("instructions_per_inference")
        ratio = f"{n / base[r['core']]:.2f}x" if n and base.get(r["core"]) else "—"
        spread = f"{r['instructions_spread']:.2%}" if "instructions_spread" in r else "—"
        body.append([names.get(r["sha256"], (r["file"],))[0], r["precision"], r["core"],
                     f"{'ok' if r['parity']['ok'] else 'FAIL'} ({r['parity']['max_abs_diff']:.2g})",
                     f"{n / 1e6:.1f}" if n else "—", spread, ratio])
    return header, body


def check_common_models(benches: list) -> None:
    """Machines must share at least one model file (by sha256), else their numbers cannot be compared.
    One machine's bench files (e.g. one per dataset) are pooled first."""
    per_machine = {}
    for _, r in benches:
        per_machine.setdefault(r["machine"]["label"], set()).update(m["sha256"] for m in r["models"])
    if len(per_machine) > 1 and not set.intersection(*per_machine.values()):
        names = ", ".join(f"{f.name} ({r['machine']['label']})" for f, r in benches)
        raise UserError(f"the machines in {names} benchmarked no common model file (sha256); nothing to compare")


def variant(card: dict) -> str:
    """How an INT8 file was made, when it matters (ours vs Ultralytics' quantize=8)."""
    q = card.get("quantization") or ""
    return "ultralytics" if "ultralytics" in q else ""


def row_key(card: dict, fallback: str) -> tuple:
    """Rows group files of the same model, precision, variant and dataset (seeds aggregate)."""
    return (card.get("dataset") or "?", card.get("model") or fallback, card.get("precision") or "?", variant(card))


def mean_spread(values: list):
    """(mean, std or None) of the non-missing values."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


def collect(benches: list, evals: list) -> tuple:
    """Rows {key: facts} and the (machine, threads) columns."""
    rows = defaultdict(lambda: {"lat": defaultdict(list), "lat90": defaultdict(list), "map": [], "map50": [],
                                "sources": set(), "card": {}})
    columns = []
    for f, record in benches:
        machine = record["machine"]["label"]
        for m in record["models"]:
            row = rows[row_key(m["card"], m["file"])]
            row["card"] = row["card"] or m["card"]
            if m["card"].get("gflops@640") and m.get("imgsz"):  # FLOPs scale with the pixel count
                row["giga_ops"] = m["card"]["gflops@640"] * m["imgsz"][0] * m["imgsz"][1] / 640**2
            row["size_mb"] = (m["card"].get("size_bytes") or 0) / 2**20 or row.get("size_mb")
            row["imgsz"] = m.get("imgsz") or row.get("imgsz")
            row["sources"].add(f"{f.name}:{m['sha256'][:12]}")
            for threads, res in m["results"].items():
                col = (machine, threads)
                if col not in columns:
                    columns.append(col)
                row["lat"][col].append(res["model_only"]["p50"])
                row["lat90"][col].append(res["model_only"]["p90"])
    for f, record in evals:
        for m in record["models"]:
            card = {**m["card"], "dataset": m["card"].get("dataset") or record["data"].get("name")}
            row = rows[row_key(card, m["file"])]
            row["card"] = row["card"] or card
            row["map"].append(m["mAP50-95"])
            row["map50"].append(m["mAP50"])
            row["sources"].add(f"{f.name}:{m['sha256'][:12]}")
    return rows, columns, best_rates(benches, "int8_peak_gops")


def best_rates(benches: list, field: str) -> dict:
    """{(machine, threads): GOPS} of a GEMM peak: the best rate any of a machine's bench files reached."""
    peaks = {}
    for _, record in benches:
        for t, g in record.get(field, {}).items():
            key = (record["machine"]["label"], t)
            peaks[key] = max(g, peaks.get(key, 0.0))
    return peaks


def gemm_peaks_text(peaks: dict, fp32: dict) -> str:
    """The int8 GEMM peaks and, where measured, their ratio to the fp32 GEMM peak on the same machine."""
    if not peaks:
        return "not measured"
    return "; ".join(f"{m}, {t} thr: {g:.0f} GOPS" + (f", {g / fp32[m, t]:.1f}x its fp32 GEMM peak of "
                                                      f"{fp32[m, t]:.0f} GFLOPS" if fp32.get((m, t)) else "")
                     for (m, t), g in peaks.items())


def averages(rows: dict) -> dict:
    """Per row: mean p50 per column, mean mAP50-95, how many files (seeds) it averages, input size."""
    return {k: {"lat": {c: mean_spread(v)[0] for c, v in r["lat"].items()}, "map": mean_spread(r["map"])[0],
                "seeds": len(r["map"]), "giga_ops": r.get("giga_ops"), "imgsz": r.get("imgsz")}
            for k, r in rows.items()}


def fmt(value, spread=None, digits=3, scale=1.0) -> str:
    """A number with optional ± spread; '—' when missing."""
    if value is None:
        return "—"
    text = f"{value * scale:.{digits}f}"
    return f"{text} ± {spread * scale:.{digits}f}" if spread is not None else text


def int8_share(row: dict, precision: str, p50, peak) -> str:
    """Achieved int8 throughput (model ops / p50) and its share of the machine's int8 GEMM peak."""
    if precision != "int8" or not (p50 and peak and row.get("giga_ops")):
        return "—"
    achieved = achieved_gops(row["giga_ops"], p50)
    return f"{achieved:.0f} ({100 * achieved / float(peak):.0f}%)"


def table(rows: dict, columns: list, peaks: dict, dataset: str) -> tuple:
    """(header, body rows) of one dataset's comparison table, as text cells."""
    keys = sorted(k for k in rows if k[0] == dataset)
    base = rows.get((dataset, *BASELINE))
    header = ["model", "activation", "precision", "params (M)", "GFLOPs@640", "file MB", "mAP50-95", "mAP50",
              "INT8 mAP drop (pts)"]
    for machine, threads in columns:
        header += [f"p50 / p90 ms [{machine}, {threads} thr]", f"speedup vs YOLO26n FP32 [{machine}, {threads} thr]",
                   f"int8 GOPS (% of GEMM peak) [{machine}, {threads} thr]"]
    body = []
    for key in keys:
        row, card = rows[key], rows[key]["card"]
        map_mean, map_std = mean_spread(row["map"])
        map50_mean, map50_std = mean_spread(row["map50"])
        drop = None
        fp32 = rows.get((key[0], key[1], "fp32", ""))
        if key[2] == "int8" and fp32 and map_mean is not None:
            fp32_mean = mean_spread(fp32["map"])[0]
            drop = None if fp32_mean is None else (fp32_mean - map_mean) * 100
        precision = key[2] + (" (Ultralytics quantize=8)" if key[3] else "")
        cells = [key[1], card.get("activation") or "—", precision,
                 fmt(card.get("params"), digits=2, scale=1e-6) if card.get("params") else "—",
                 fmt(card.get("gflops@640"), digits=2), fmt(row.get("size_mb"), digits=1),
                 fmt(map_mean, map_std), fmt(map50_mean, map50_std), fmt(drop, digits=2)]
        for col in columns:
            p50, p50_std = mean_spread(row["lat"].get(col, []))
            p90 = mean_spread(row["lat90"].get(col, []))[0]
            base_p50 = mean_spread(base["lat"].get(col, []))[0] if base else None
            cells += [f"{fmt(p50, p50_std, 2)} / {fmt(p90, digits=2)}" if p50 else "—",
                      f"{base_p50 / p50:.2f}x" if p50 and base_p50 else "—", int8_share(row, key[2], p50, peaks.get(col))]
        body.append(cells)
    return header, body


def markdown_table(header: list, body: list) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(map(md, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(md, r)) + " |" for r in body]
    return "\n".join(lines)


def html_table(header: list, body: list) -> str:
    """An HTML table."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def summary(rows: dict, columns: list, peaks: dict, title: str, note: str, machines: dict, benches: list,
            targets: tuple) -> str:
    """The headline tables (mAP, and latency on the first machine) and the targets, with machine and date."""
    label = columns[0][0] if columns else None
    m = machines.get(label)
    machine = f"{label} ({m.get('cores')} cores, onnxruntime {m.get('onnxruntime')})" if m else "no machine"
    measured = max((r.get("created", "")[:10] for _, r in benches), default="") or "unknown date"
    lines = [f"**{md(title)}**{f' ({md(note)})' if note else ''}. Latency measured on {md(machine)}, {measured}.", ""]
    for dataset in sorted({k[0] for k in rows}):
        header, body = table(rows, columns, peaks, dataset)
        picked = [i for i, h in enumerate(header) if h in ("model", "precision", "mAP50-95", "mAP50")
                  or (f"[{label}, " in h and "GOPS" not in h)]
        short = [header[i].replace(f" [{label}, ", ", ").rstrip("]") for i in picked]
        lines += [f"{md(dataset)}:", "", markdown_table(short, [[r[i] for i in picked] for r in body]), ""]
    if targets[1]:
        lines += ["Targets:", "", markdown_table(*targets), ""]
    return "\n".join(lines)


def readme_parts(readme) -> tuple:
    """The README's text before and after its report markers (checked before anything is written)."""
    readme = Path(readme)
    try:
        doc = readme.read_text()
    except OSError as e:
        raise UserError(f"{readme}: cannot read it ({type(e).__name__}); pass the README to update") from None
    if doc.count(README_BEGIN) != 1 or doc.count(README_END) != 1 or doc.index(README_BEGIN) > doc.index(README_END):
        raise UserError(f"{readme}: needs one '{README_BEGIN}' line and one '{README_END}' line where the table goes")
    head, rest = doc.split(README_BEGIN)
    return head + README_BEGIN + "\n", "\n" + README_END + rest.split(README_END)[1]


def plots(rows: dict, columns: list, datasets: list) -> dict:
    """PNG bytes of the report's figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = {}
    if columns:
        col = columns[0]
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        for dataset in datasets:
            points = []
            for key, row in rows.items():
                lat, acc = mean_spread(row["lat"].get(col, []))[0], mean_spread(row["map"])[0]
                if key[0] == dataset and lat and acc is not None:
                    points.append((lat, acc, f"{key[1]} {key[2]}{' U' if key[3] else ''}"))
            for lat, acc, name in points:
                ax.scatter(lat, acc)
                ax.annotate(name, (lat, acc), fontsize=7, xytext=(3, 3), textcoords="offset points")
            front, best = [], -1.0
            for lat, acc, _ in sorted(points):
                if acc > best:
                    front.append((lat, acc))
                    best = acc
            if front:
                ax.plot(*zip(*front), "--", lw=1, label=f"Pareto front ({dataset})")
        ax.set_xlabel(f"model-only p50 latency, ms [{col[0]}, {col[1]} thr]")
        ax.set_ylabel("mAP50-95")
        ax.legend(fontsize=7)
        figures["latency_vs_map.png"] = fig
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        names = sorted({(k[1], k[2], k[3]) for k in rows})
        width = 0.8 / max(len(columns), 1)
        for j, c in enumerate(columns):
            values = [mean_spread([v for k, r in rows.items() if (k[1], k[2], k[3]) == n for v in r["lat"].get(c, [])])[0]
                      or 0 for n in names]
            ax.bar([i + j * width for i in range(len(names))], values, width, label=f"{c[0]}, {c[1]} thr")
        ax.set_xticks([i + width * (len(columns) - 1) / 2 for i in range(len(names))])
        ax.set_xticklabels([f"{n[0]}\n{n[1]}{' U' if n[2] else ''}" for n in names], fontsize=7)
        ax.set_ylabel("model-only p50 latency, ms")
        ax.legend(fontsize=7)
        figures["latency_per_model.png"] = fig
        fig, ax = plt.subplots(figsize=(6.5, 3.8))
        models = sorted({k[1] for k in rows})
        speedups = []
        for name in models:
            fp32 = [r for k, r in rows.items() if k[1] == name and k[2] == "fp32"]
            int8 = [r for k, r in rows.items() if k[1] == name and k[2] == "int8" and not k[3]]
            a = mean_spread([v for r in fp32 for v in r["lat"].get(col, [])])[0]
            b = mean_spread([v for r in int8 for v in r["lat"].get(col, [])])[0]
            speedups.append(a / b if a and b else 0)
        ax.bar(models, speedups)
        ax.axhline(1.0, color="gray", lw=1)
        ax.set_ylabel(f"INT8 speedup over own FP32 [{col[0]}, {col[1]} thr]")
        figures["int8_speedup.png"] = fig
    out = {}
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        out[name] = buf.getvalue()
    return out


def report(files: list, out, title: str = "LeakYOLO comparison", note: str = "", readme=None) -> Path:
    """Write report.md, summary.md, report.html, the plots and the merged inputs into out; return report.md.

    readme: also put summary.md, with a link to report.md, between that README's report markers.
    """
    benches, evals, arms = load_results(files)
    around = readme_parts(readme) if readme else None
    rows, columns, peaks = collect(benches, evals)
    datasets = sorted({k[0] for k in rows})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    images = plots(rows, columns, datasets)
    machines = {r["machine"]["label"]: r["machine"] for _, r in benches}
    commands = [f"{f.name}: {r.get('command')}" for f, r in benches + evals + arms]
    sources = {f"{k[1]} {k[2]}{' (Ultralytics)' if k[3] else ''} [{k[0]}]": sorted(r["sources"]) for k, r in rows.items()}
    doc = [f"# {md(title)}", ""]
    if note:
        doc += [f"> {md(note)}", ""]
    htm = [f"<h1>{html.escape(title)}</h1>"] + ([f"<p class='note'>{html.escape(note)}</p>"] if note else [])
    for dataset in datasets:
        header, body = table(rows, columns, peaks, dataset)
        doc += [f"## Dataset: {md(dataset)}", "", markdown_table(header, body), ""]
        htm += [f"<h2>Dataset: {html.escape(dataset)}</h2>", html_table(header, body)]
    names = {m["sha256"]: ((m["card"].get("model") or m["file"]) + (" (Ultralytics quantize=8)" if variant(m["card"])
                                                                      else ""),)
             for _, r in benches + evals for m in r["models"]}
    if arms:
        header, body = arm_table(arms, names)
        doc += ["## Emulated ARM (qemu user mode)", "", markdown_table(header, body), "",
               "Parity: the emulated core's outputs against the model's reference outputs (ONNX Runtime with "
               "graph optimisations off, so Q/DQ runs as written rather than through one CPU's integer kernels). "
               "Instructions: executed by the inferring thread per inference, the median of several after a "
               "warm-up (spread: (max - min) / median). They rank models; they are not cycles and not a "
               "board's latency. Emulated wall-clock time is never reported.", ""]
        htm += ["<h2>Emulated ARM (qemu user mode)</h2>", html_table(header, body), f"<p>{html.escape(doc[-2])}</p>"]
    targets = check_targets(averages(rows), columns, peaks, [
        (names.get(r["sha256"], (r["file"],))[0], r["precision"], r["core"], r.get("instructions_per_inference"))
        for _, record in arms for r in record["models"]])
    if targets[1]:
        doc += ["## Targets", "", TARGETS_TEXT, "", markdown_table(*targets), ""]
        htm += ["<h2>Targets</h2>", f"<p>{html.escape(TARGETS_TEXT)}</p>", html_table(*targets)]
    doc += ["Latency: model-only (ONNX Runtime session.run on a letterboxed input), batch 1, p50 / p90 over the "
           "stated runs, models interleaved. Speedups compare runs on the same machine and thread count only. "
           "mAP: Ultralytics' validator on the ONNX files, same val split for all. int8 GOPS: the model's "
           "FLOPs (Ultralytics' count, 2 per multiply-add) / p50, against the best u8 x s8 GEMM rate ONNX Runtime "
           "reached on the same machine and threads (" + gemm_peaks_text(peaks, best_rates(benches, "fp32_peak_gops"))
           + "). int8 / fp32 GEMM peak: how much more multiply-add throughput the machine's int8 kernels have "
           "than its fp32 ones (about 2x on x86 without VNNI, where ONNX Runtime's u8 x s8 kernels use 16-bit "
           "pair sums).", ""]
    htm.append(f"<p>{html.escape(doc[-2])}</p>")
    doc += ["## Figures", ""] + [f"![{name}]({name})" for name in images] + [""]
    htm += ["<h2>Figures</h2>"] + [f"<img alt='{n}' src='data:image/png;base64,{base64.b64encode(b).decode()}'>"
                                    for n, b in images.items()]
    doc += ["## Machines", ""] + [f"- **{md(k)}**: {md(json.dumps(v))}" for k, v in machines.items()] + [""]
    doc += ["## Sources (result file : model sha256 prefix)", ""]
    doc += [f"- {md(k)}: {', '.join(v)}" for k, v in sources.items()] + ["", "## Commands", ""]
    doc += [f"- `{c}`" for c in commands]
    htm += ["<h2>Machines</h2><pre>" + html.escape(json.dumps(machines, indent=1)) + "</pre>",
            "<h2>Sources</h2><pre>" + html.escape(json.dumps(sources, indent=1)) + "</pre>",
            "<h2>Commands</h2><pre>" + html.escape("\n".join(commands)) + "</pre>",
            "<h2>Raw results</h2>" + "".join(
                f"<details><summary>{html.escape(f.name)}</summary><pre>{html.escape(json.dumps(r, indent=1))}</pre>"
                f"</details>" for f, r in benches + evals + arms)]
    for name, data in images.items():
        atomic_write_bytes(out / name, data)
    write_json(out / "results.json", {"inputs": {f.name: r for f, r in benches + evals + arms}, **stamp()})
    style = ("body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;font-size:13px}"
             "td,th{border:1px solid #ccc;padding:4px 6px}th{background:#eee}.note{background:#fff3cd;padding:8px}"
             "img{max-width:48%;margin:4px}")
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(htm)}</body></html>")
    atomic_write_bytes(out / "report.html", page.encode())
    brief = summary(rows, columns, peaks, title, note, machines, benches, targets)
    atomic_write_bytes(out / "summary.md", (brief + "\n").encode())
    path = atomic_write_bytes(out / "report.md", ("\n".join(doc) + "\n").encode())
    if around:
        link = Path(os.path.relpath(path.resolve(), Path(readme).resolve().parent)).as_posix()
        atomic_write_bytes(readme, f"{around[0]}{brief}\nThe whole report (every precision, thread count, emulated "
                                   f"ARM, figures, machine, sources, commands): [{link}]({link}).{around[1]}".encode())
    return path
