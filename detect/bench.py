"""`leakyolo bench`: model-only and end-to-end latency of detectors, interleaved across models and runtimes
(ONNX Runtime, OpenVINO, NCNN: detect/runtimes.py).

Needs only the base install (numpy, onnxruntime, opencv) for ONNX files, so it runs on a Raspberry Pi. Runs are
interleaved (A B A B ...) so that drift (thermal, other load) hits every model alike. Thread pools
spin within a run, as ONNX Runtime does by default, and stop at its end: a pool left spinning steals
the cores of the next model's run, and one that never spins makes 2 threads barely faster than 1
(docs/performance.md).
"""

import resource
import sys
import time
from typing import Optional, Sequence, Union
from pathlib import Path

import numpy as np

from .detector import Detector
from .model_file import read_card
from .runtimes import model_path, runtime_of
from .preprocess import preprocess, read_image
from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file, stamp, write_json

from leakyolo.base.machine import cpu_busy, fingerprint
from .peak import peak_gops
from .stats import summarize

SCHEMA = "leakyolo.bench/3"  # 3: an untimed call per model and round first (2: pools spin within runs; 1: off)
BUSY = 0.15  # other processes' share of the CPU above which a bench warns that its latencies are noisy


def card_summary(card: dict) -> dict:
    """The card fields a report needs: what the model is, how it was trained (and taught) and at what cost,
    and which point of a sweep (input size, head) the file is."""
    run, q = card.get("source", {}).get("run", {}), card.get("quantization", {})
    teacher, converted = run.get("teacher") or {}, run.get("converted_from") or {}
    return {"model": card.get("model"), "precision": card.get("precision"), "activation": run.get("activation"),
            "dataset": run.get("dataset", {}).get("name"), "seed": run.get("seed"), "epochs": run.get("epochs"),
            "params": run.get("params"), "gflops@640": run.get("gflops@640"),
            "quantization": q.get("tool") or " ".join(filter(None, (q.get("format"), q.get("types")))) or None,
            "accuracy": card.get("accuracy"), "size_bytes": card.get("size_bytes"),
            "head": "raw" if "raw" in card.get("output", {}).get("format", "") else "nms-free",
            "train_imgsz": run.get("imgsz"), "train_seconds": run.get("wall_seconds"),
            "teacher": teacher.get("model"), "teacher_seconds": teacher.get("wall_seconds"),
            "converted_from": converted.get("model"), "int8_failure": card.get("int8_failure"),
            "runtime": card.get("runtime") or "onnxruntime", "exporter": card.get("exporter"),
            "runtimes_left_out": card.get("runtimes_left_out")}


def sample_frame(image, size) -> np.ndarray:
    """A real image if given, else a fixed pseudo-random frame of the model's input size."""
    if image:
        frame = read_image(image)
        if frame is None:
            raise UserError(f"{image}: cannot read the benchmark image")
        return frame
    return np.random.default_rng(0).integers(0, 255, (*size, 3), dtype=np.uint8)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def gemm_peaks(peak: dict, n: int, progress: bool) -> None:
    """Measure the int8 and fp32 GEMM peaks at n threads into peak[precision][str(n)]."""
    for precision in peak:
        peak[precision][str(n)] = round(peak_gops(precision, n), 1)
    int8, fp32 = peak["int8"][str(n)], peak["fp32"][str(n)]
    if progress:
        print(f"bench: GEMM peaks threads={n}: int8 {int8:.0f} GOPS, fp32 {fp32:.0f} GFLOPS ({int8 / fp32:.1f}x)",
              file=sys.stderr)


def timed_runs(detectors: dict, frames: dict, warmup: int, runs: int, progress: bool) -> dict:
    """Interleaved runs (A B A B ...): per model, model-only and end-to-end ms and the end-to-end splits. Each model's
    turn starts with an untimed call: the first call after another model's runs finds its weights out of the caches
    (+0.3-0.6 ms at 160 px here, up to +46%), which `detect`, running one model, never pays."""
    inputs = {p: preprocess(frames[p], d.imgsz)[0] for p, d in detectors.items()}
    times = {p: {"model": [], "e2e": [], "splits": []} for p in detectors}
    started = time.perf_counter()
    for i in range(warmup + runs):
        for p, det in detectors.items():
            det.run(inputs[p])
            t0 = time.perf_counter()
            det.run(inputs[p])
            t1 = time.perf_counter()
            det(frames[p])
            t2 = time.perf_counter()
            if i >= warmup:
                times[p]["model"].append((t1 - t0) * 1e3)
                times[p]["e2e"].append((t2 - t1) * 1e3)
                times[p]["splits"].append(det.timings)
        if progress and (i + 1) % max(1, (warmup + runs) // 4) == 0 and i + 1 < warmup + runs:
            left = (time.perf_counter() - started) / (i + 1) * (warmup + runs - i - 1)
            print(f"bench: run {i + 1}/{warmup + runs}, ~{left:.0f}s left", file=sys.stderr, flush=True)
    return times


def result_of(times: dict) -> dict:
    """One model's record at one thread count."""
    return {"model_only": summarize(times["model"]), "end_to_end": summarize(times["e2e"]),
            "split_p50_ms": {k: round(float(np.median([t[k] for t in times["splits"]])), 4)
                             for k in times["splits"][0]}}


def bench(models: list, threads: Sequence[int] = (1,), warmup: int = 20, runs: int = 200,
          image: Optional[Union[str, Path]] = None, label: Optional[str] = None, progress: bool = True,
          peaks: bool = True) -> dict:
    """Benchmark every model at every thread count; return the result record.

    peaks=False skips the GEMM peak measurement (seconds on a board, minutes under emulation); the
    report then shows no int8 throughput share for this machine.
    """
    paths = [model_path(m) for m in models]
    for p in paths:
        if not p.exists():
            raise UserError(f"model {p} not found")
    cards = {p: read_card(p) for p in paths}
    results = {p: {} for p in paths}
    busy = {"before": others_load()}
    rss, imgsz, peak = {}, {}, {"int8": {}, "fp32": {}}
    for n in threads:
        if peaks:
            gemm_peaks(peak, n, progress)
        detectors = {}
        for p in paths:
            before = peak_rss_mb()
            detectors[p] = Detector(p, threads=n, spin_after_run=False)
            rss[p] = max(rss.get(p, 0.0), peak_rss_mb() - before)
        imgsz.update({p: list(d.imgsz) for p, d in detectors.items()})
        frames = {p: sample_frame(image, d.imgsz) for p, d in detectors.items()}
        for p, times in timed_runs(detectors, frames, warmup, runs, progress).items():
            results[p][str(n)] = result_of(times)
            if progress:
                print(f"bench: {p.name} threads={n}: model p50 {results[p][str(n)]['model_only']['p50']:.2f} ms, "
                      f"end-to-end p50 {results[p][str(n)]['end_to_end']['p50']:.2f} ms", file=sys.stderr)
        del detectors
    busy["after"] = others_load()
    return {
        "schema": SCHEMA,
        "kind": "bench",
        "machine": fingerprint(label),
        "settings": {"threads": list(threads), "warmup": warmup, "runs": runs, "batch": 1, "interleaved": True,
                     "untimed_call_per_turn": True,
                     "intra_op_spinning": "within runs (session.force_spinning_stop)", "graph_optimization": "all",
                     "input": str(image) if image else "fixed random frame", "others_cpu_busy": busy},
        "models": [{"file": p.name, "path": str(p.resolve()), "runtime": runtime_of(p), "sha256": sha256_file(p),
                    "card": card_summary(cards[p]),
                    "imgsz": imgsz[p], "load_rss_mb": round(rss[p], 1), "results": results[p]}
                   for p in paths],
        "int8_peak_gops": peak["int8"],  # best u8 x s8 GEMM rate at each thread count (detect/peak.py)
        "fp32_peak_gops": peak["fp32"],  # best fp32 GEMM rate: int8 / fp32 = how much faster int8 multiply-adds
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **stamp(),
    }


def others_load() -> Optional[float]:
    """The CPU share other processes keep busy (0.5 s while the bench sleeps); warns above BUSY."""
    busy = cpu_busy()
    if busy is not None and busy > BUSY:
        print(f"bench: other processes keep {busy:.0%} of this machine's CPU busy: latencies will be noisy "
              f"(stop them, or read the numbers as such)", file=sys.stderr)
    return busy


def save(record: dict, out) -> Path:
    """Write a result record atomically."""
    return write_json(Path(out), record)
