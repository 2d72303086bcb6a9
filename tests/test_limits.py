"""The report's "what these numbers rest on" lines come from its result files: machine ISA and head gaps."""

from leakyolo.compare.frontier import Point, SeriesKey
from leakyolo.compare.limits import head_gaps, machine_facts


def test_machine_facts_name_the_int8_instructions():
    vnni, avx2 = machine_facts({"epyc": {"isa": ["avx2", "avx512_vnni"]}, "old": {"isa": ["avx2", "fma"]}})
    assert vnni.startswith("epyc: avx512_vnni (int8 dot products)")
    assert avx2.startswith("old: no int8 dot-product instructions (avx2, fma)") and "u8s7" in avx2


def test_head_gap_uses_the_seeds_both_heads_have():
    def at_320(maps):
        return {320: Point(lat={}, map=maps)}

    series = {SeriesKey("d", "leakyolo-n", "int8", "", "nms-free", 320): at_320({0: 0.40, 1: 0.50, 2: 0.9}),
              SeriesKey("d", "leakyolo-n", "int8", "", "raw", 320): at_320({0: 0.50, 1: 0.60}),
              SeriesKey("d", "yolo26n", "int8", "", "raw", 320): at_320({0: 0.7})}  # no NMS-free file: no line
    assert head_gaps(series) == ["d, leakyolo-n INT8: 0.450 NMS-free vs 0.550 raw + NMS (+10.0 points, 2 seed(s))"]
