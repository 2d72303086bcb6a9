"""The CPU's practical int8 peak: a large u8 x s8 matrix product (MatMulInteger) in ONNX Runtime.

A detector's model ops / latency against this number says how much of the machine's int8 throughput
it reaches. The two-input graph ships as int8_gemm.onnx, so the base install (no onnx package) can
run it on a board; tests/test_compare.py rebuilds it with onnx.helper and compares.
"""

import time
from pathlib import Path

import numpy as np

from leakyolo.detect.session import OnnxModel

GEMM = Path(__file__).with_name("int8_gemm.onnx")


def int8_peak_gops(threads: int, sizes=(768, 1024, 1536), runs: int = 10) -> float:
    """Best median int8 GOPS (2 ops per multiply-add) of square u8 x s8 GEMMs at `threads` threads."""
    session = OnnxModel(GEMM, threads=threads, spin_after_run=False).session  # options as in the model benchmark
    rng = np.random.default_rng(0)
    best = 0.0
    for size in sizes:
        feed = {"A": rng.integers(0, 256, (size, size), dtype=np.uint8),
                "B": rng.integers(-128, 128, (size, size), dtype=np.int8)}
        times = []
        for i in range(runs + 3):  # 3 warm-up runs
            t0 = time.perf_counter()
            session.run(None, feed)
            if i >= 3:
                times.append(time.perf_counter() - t0)
        best = max(best, 2 * size**3 / float(np.median(times)) / 1e9)
    return best
