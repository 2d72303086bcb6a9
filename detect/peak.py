"""The CPU's practical GEMM peaks in ONNX Runtime: u8 x s8 (MatMulInteger) and fp32 (MatMul).

A detector's model ops / latency against the int8 peak says how much of the machine's int8
throughput it reaches; int8 peak / fp32 peak says how much faster the machine's int8 kernels
multiply-add than its fp32 ones (about 2x measured on AVX2-only x86). The two-input
graphs ship as int8_gemm.onnx and fp32_gemm.onnx, so the base install (no onnx package) can run
them on a board; tests/test_compare.py rebuilds them with onnx.helper and compares.
"""

import time
from pathlib import Path

import numpy as np

from leakyolo.detect.session import OnnxModel

HERE = Path(__file__).resolve().parent
GEMMS = {"int8": HERE / "int8_gemm.onnx", "fp32": HERE / "fp32_gemm.onnx"}


def gemm_inputs(precision: str, size: int, rng) -> dict:
    """Random square operands of the GEMM's types."""
    if precision == "int8":
        return {"A": rng.integers(0, 256, (size, size), dtype=np.uint8),
                "B": rng.integers(-128, 128, (size, size), dtype=np.int8)}
    return {"A": rng.standard_normal((size, size), dtype=np.float32),
            "B": rng.standard_normal((size, size), dtype=np.float32)}


def peak_gops(precision: str, threads: int, sizes=(768, 1024, 1536), runs: int = 10) -> float:
    """Best median GOPS (2 ops per multiply-add) of square `precision` GEMMs at `threads` threads."""
    session = OnnxModel(GEMMS[precision], threads=threads, spin_after_run=False).session  # as in the model benchmark
    rng = np.random.default_rng(0)
    best = 0.0
    for size in sizes:
        feed = gemm_inputs(precision, size, rng)
        times = []
        for i in range(runs + 3):  # 3 warm-up runs
            t0 = time.perf_counter()
            session.run(None, feed)
            if i >= 3:
                times.append(time.perf_counter() - t0)
        best = max(best, 2 * size**3 / float(np.median(times)) / 1e9)
    return best
