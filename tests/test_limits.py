"""The report's "what these numbers rest on" lines come from its result files: machine ISA, load, head gaps."""

from types import SimpleNamespace

from leakyolo.compare.frontier import Point, SeriesKey
from leakyolo.compare.limits import head_gaps, load_facts, machine_facts, method_facts


def test_machine_facts_name_the_int8_instructions():
    vnni, avx2 = machine_facts({"epyc": {"isa": ["avx2", "avx512_vnni"]}, "old": {"isa": ["avx2", "fma"]}})
    assert vnni.startswith("epyc: avx512_vnni (int8 dot products)")
    assert avx2.startswith("old: no int8 dot-product instructions (avx2, fma)") and "u8s7" in avx2


def test_a_bench_beside_other_load_is_named_and_a_quiet_one_is_not():

    def bench(label, before, after):
        return None, {"machine": {"label": label}, "settings": {"others_cpu_busy": {"before": before, "after": after}}}

    results = SimpleNamespace(benches=[bench("epyc", 0.02, 0.48), bench("epyc", 0.3, None), bench("pi", 0.01, 0.1),
                                       (None, {"machine": {"label": "old"}, "settings": {}})])  # records before the field
    assert load_facts(results) == ["epyc: other processes kept up to 48% of the CPU busy around a benchmark: its "
                                   "latencies are noisy"]


def test_benches_of_the_cold_method_are_named():
    def bench(label, schema):
        return None, {"schema": schema, "machine": {"label": label}}

    old = SimpleNamespace(benches=[bench("epyc", "leakyolo.bench/2"), bench("pi", "leakyolo.bench/3")])
    assert len(method_facts(old)) == 1 and method_facts(old)[0].startswith("epyc: these benches (leakyolo.bench/2)")
    assert method_facts(SimpleNamespace(benches=[bench("pi", "leakyolo.bench/3")])) == []


def test_cpu_busy_sees_another_process_spin():
    import os
    import subprocess
    import sys

    from leakyolo.base.machine import cpu_busy

    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = cpu_busy(1.0)
    finally:
        spin.kill()
    assert busy is not None and 1.0 >= busy > 1 / os.cpu_count() / 3  # one spinning core of N (/proc/stat), slack


def test_head_gap_uses_the_seeds_both_heads_have():
    def at_320(maps):
        return {320: Point(lat={}, map=maps)}

    series = {SeriesKey("d", "leakyolo-n", "int8", "", "nms-free", 320): at_320({0: 0.40, 1: 0.50, 2: 0.9}),
              SeriesKey("d", "leakyolo-n", "int8", "", "raw", 320): at_320({0: 0.50, 1: 0.60}),
              SeriesKey("d", "yolo26n", "int8", "", "raw", 320): at_320({0: 0.7})}  # no NMS-free file: no line
    assert head_gaps(series) == ["d, leakyolo-n INT8: 0.450 NMS-free vs 0.550 raw + NMS (+10.0 points, 2 seed(s))"]


def test_an_accuracy_target_within_the_seed_margin_is_not_judged():
    from leakyolo.compare.targets import accuracy_row

    def avg(ours, base):
        return {("t", "leakyolo-n", "int8", ""): ours, ("t", "yolo26n", "fp32", ""): base}

    trees = avg({"map": 0.072, "std": 0.02, "seeds": 2}, {"map": 0.066, "std": 0.01, "seeds": 2})  # +0.6, spread 1-2
    assert accuracy_row(trees, "t")[3].startswith("— (within the seed margin ±")
    digits = avg({"map": 0.477, "std": 0.001, "seeds": 2}, {"map": 0.580, "std": 0.046, "seeds": 2})
    assert accuracy_row(digits, "t")[3] == "**no**"  # 10 points under, far outside the margin
    close = avg({"map": 0.575, "std": 0.002, "seeds": 3}, {"map": 0.580, "std": 0.002, "seeds": 3})
    assert accuracy_row(close, "t")[3] == "yes"
    one = avg({"map": 0.5, "std": None, "seeds": 1}, {"map": 0.5, "std": None, "seeds": 1})
    assert accuracy_row(one, "t")[3] == "— (1 seed: not a comparison)"
