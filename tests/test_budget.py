"""The latency-budget table: per runtime, the most accurate file of each side within each budget, and which to deploy
only where the seeds say so."""

from leakyolo.compare.budget import budget_table, thinned
from leakyolo.compare.family import members
from leakyolo.compare.frontier import Point, SeriesKey

COL = ("m", "1")


def series(*pts):
    """{size: Point}: pts are (ms, per-seed mAPs, size)."""
    return {size: Point(lat={COL: {s: ms for s in range(len(maps))}}, map=dict(enumerate(maps)))
            for ms, maps, size in pts}


def key(model, precision="int8", variant="", head="raw"):
    return SeriesKey("d", model, precision, variant, head, 160)


def rows(found):
    header, body = budget_table(found, "d", COL)
    return {(r[0], r[1]): r for r in body}


def test_family_is_our_registered_members_only():
    assert {"leakyolo-n", "leakyolo-s", "leakyolo-n-distilled"} <= members()
    assert not members() & {"yolo26n", "yolo26n-leaky", "yolo26n-converted", "leakyolo-nw", "leakyolo26-nw"}


def test_deploy_needs_more_than_the_seed_margin():
    found = {key("leakyolo-n"): series((1.0, (0.60, 0.62), 160)),
             key("yolo26n"): series((1.2, (0.60, 0.61), 128), (1.7, (0.70, 0.71), 160))}
    got = rows(found)
    assert got["ONNX Runtime", "1.00"][4] == "LeakYOLO (no measured YOLO26n file this fast)"
    assert got["ONNX Runtime", "1.20"][4] == "either (within the margin)"  # +0.5 points, margin 2.2: no claim
    assert got["ONNX Runtime", "1.70"][4] == "YOLO26n"
    assert got["ONNX Runtime", "1.70"][2].startswith("0.610: leakyolo-n INT8 160 px, raw (1.00 ms)")
    found[key("leakyolo-n")] = series((1.0, (0.65, 0.66), 160))
    assert rows(found)["ONNX Runtime", "1.20"][4] == "LeakYOLO"  # +5 points, far outside the margin


def test_one_seed_is_unconfirmed_and_candidates_do_not_count():
    found = {key("leakyolo-n"): series((1.0, (0.70,), 160)), key("yolo26n"): series((1.2, (0.60,), 160)),
             key("leakyolo26-nw"): series((0.5, (0.9,), 160))}  # a screening candidate: not the family
    got = rows(found)
    assert set(got) == {("ONNX Runtime", "1.00"), ("ONNX Runtime", "1.20")}
    assert got["ONNX Runtime", "1.20"][4] == "unconfirmed (one seed)"
    assert "leakyolo26-nw" not in str(got)


def test_each_runtime_takes_their_own_and_ultralytics_files_of_that_runtime_only():
    found = {key("leakyolo-n", variant="openvino"): series((1.1, (0.62, 0.63), 160)),
             key("yolo26n", variant="ultralytics-openvino"): series((1.4, (0.72, 0.73), 160)),
             key("yolo26n", variant="ncnn"): series((0.2, (0.99, 0.99), 160)),  # another runtime: never a pick here
             key("yolo26n"): series((1.0, (0.5, 0.5), 160))}  # ONNX Runtime, where the family has no file
    got = rows(found)
    assert {r for r, _ in got} == {"OpenVINO"}
    assert got["OpenVINO", "1.40"][3] == "0.725: yolo26n INT8 160 px, raw, Ultralytics' OpenVINO export (1.40 ms)"
    assert got["OpenVINO", "1.40"][4] == "YOLO26n"


def test_budgets_within_five_percent_merge_into_the_larger():
    assert thinned({1.13, 1.14, 1.27, 1.29, 1.71}) == [1.14, 1.29, 1.71]
    assert thinned({1.0}) == [1.0]
