"""What a report's numbers rest on, generated from its own result files (never typed): the CPU's int8
instruction set, other processes' load around its benchmarks and the bench method, the INT8 file types, the
seeds behind each dataset's rows, and how far the NMS-free head sits from raw + NMS at the training size."""

from leakyolo.base.defaults import BASELINE, PRODUCT

from leakyolo.detect.bench import BUSY

from .results import COLD_BENCH, mean_spread


def machine_facts(machines: dict) -> list:
    """One line per machine: whether its int8 kernels have dot-product instructions (VNNI on x86)."""
    lines = []
    for label, m in machines.items():
        isa = m.get("isa") or []
        dot = [f for f in isa if "vnni" in f or f in ("asimddp", "dotprod")]
        lines.append(f"{label}: {', '.join(dot)} (int8 dot products): u8s8 files are exact and fast" if dot else
                     f"{label}: no int8 dot-product instructions ({', '.join(isa) or 'ISA unknown'}): ONNX "
                     f"Runtime's u8s8 kernels saturate there, so its INT8 files are u8s7 (docs/int8.md)")
    return lines


def int8_types(results) -> str:
    """The quantization of our INT8 files (Ultralytics' own quantize=8 files left out)."""
    kinds = sorted({m["card"].get("quantization") for _, r in results.benches + results.evals for m in r["models"]
                    if m["card"].get("precision") == "int8" and "ultralytics" not in str(m["card"].get("quantization"))
                    and m["card"].get("quantization")})
    return ", ".join(map(str, kinds)) or "none"


def seeds_text(rows: dict) -> list:
    """Per dataset: how many seeds its rows average."""
    out = []
    for dataset in sorted({k.dataset for k in rows}):
        counts = sorted({len(r.map) for k, r in rows.items() if k.dataset == dataset and r.map})
        if counts:
            span = str(counts[0]) if counts[0] == counts[-1] else f"{counts[0]}-{counts[-1]}"
            out.append(f"{dataset}: {span} seed(s) per row")
    return out


def head_gaps(series: dict) -> list:
    """Per dataset and model (ours and the baseline, INT8): mean mAP50-95 of the NMS-free head and of raw + NMS
    at the training size, over the seeds both have."""
    out = []
    for dataset in sorted({k.dataset for k in series}):
        for model in (PRODUCT, BASELINE):
            heads = {k.head: v.get(k.trained_at) for k, v in series.items()
                     if (k.dataset, k.model, k.precision, k.variant) == (dataset, model, "int8", "")}
            both = sorted(set(heads["nms-free"].map) & set(heads["raw"].map)) if (
                heads.get("nms-free") and heads.get("raw")) else []  # bench-only reports have no mAP
            if both:
                free, raw = (mean_spread([heads[h].map[s] for s in both])[0] for h in ("nms-free", "raw"))
                out.append(f"{dataset}, {model} INT8: {free:.3f} NMS-free vs {raw:.3f} raw + NMS "
                           f"({(raw - free) * 100:+.1f} points, {len(both)} seed(s))")
    return out


def load_facts(results, busy: float = BUSY) -> list:
    """Per machine whose bench records saw other processes keep more than `busy` of its CPU busy: the most."""
    seen = {}
    for _, record in results.benches:
        shares = (record.get("settings", {}).get("others_cpu_busy") or {}).values()
        top = max((s for s in shares if s is not None), default=None)
        if top is not None:
            label = record["machine"]["label"]
            seen[label] = max(seen.get(label, 0.0), top)
    return [f"{label}: other processes kept up to {top:.0%} of the CPU busy around a benchmark: its latencies are "
            f"noisy" for label, top in sorted(seen.items()) if top > busy]


def method_facts(results) -> list:
    """A line when bench records of the older method (model-only timed cold) are among the results."""
    cold = sorted({r["machine"]["label"] for _, r in results.benches if r.get("schema") == COLD_BENCH})
    return [f"{', '.join(cold)}: these benches ({COLD_BENCH}) timed model-only latency on each model's first call "
            f"after another model's, with its weights out of the caches: model-only numbers are inflated, the "
            f"end-to-end ones (timed on the next call) are not (docs/performance.md)"] if cold else []


def limits(results, rows: dict, series: dict, machines: dict) -> list:
    """The report's limits as bullet lines."""
    return [*(f"Machine: {line}" for line in machine_facts(machines)),
            *(f"Load: {line}" for line in load_facts(results)),
            *(f"Bench method: {line}" for line in method_facts(results)),
            f"INT8 files: {int8_types(results)}", f"Seeds: {'; '.join(seeds_text(rows))}",
            *(f"Head: {line}" for line in head_gaps(series))]
