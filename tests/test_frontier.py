"""The speed-accuracy sweep and its frontier: a tiny model exported at 2 sizes x 2 heads, benchmarked,
evaluated and reported; the frontier arithmetic on known numbers."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from leakyolo.base.errors import UserError
from leakyolo.compare.family import FAMILY
from leakyolo.compare.frontier import Point, SeriesKey, family_front, map_at, ms_for, pareto, verdict, verdicts
from leakyolo.compare.margin import margin


@pytest.fixture(scope="module")
def swept(trained_run, tmp_path_factory):
    """`leakyolo export RUN --int8 --imgsz 64 96 --head both`: the files it printed."""
    out = tmp_path_factory.mktemp("sweep")
    done = subprocess.run([sys.executable, "-m", "leakyolo.cli", "export", str(trained_run), "--int8", "--imgsz", "64",
                           "96", "--head", "both", "--calib-images", "32", "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if line.startswith(str(out))]  # the files it wrote


def test_sweep_writes_every_point_with_its_card(swept):
    from leakyolo.detect.model_file import read_card

    names = sorted(p.rsplit("/", 1)[1] for p in swept)
    assert names == sorted(f"leakyolo-n-{size}{head}-{prec}.onnx" for size in (64, 96) for head in ("", "-raw")
                           for prec in ("fp32", "int8")), names
    for path in swept:
        size, raw = re.search(r"-(\d+)(-raw)?-(?:fp32|int8)\.onnx$", path).groups()
        card = read_card(path)
        assert card["imgsz"] == f"[{size}, {size}]" and ("raw" in card["output"]["format"]) == bool(raw)
        assert card["gates"] and card["accuracy"]["mAP50-95"] > 0


def test_frontier_report_from_a_sweep(swept, trained_run, learn_yaml, tmp_path, monkeypatch):
    from leakyolo.detect.bench import bench
    from leakyolo.compare.evaluate import evaluate
    from leakyolo.compare.report import report
    from leakyolo.export import exporter
    from leakyolo.export.gates import GateError
    from leakyolo.export.sweep import sweep
    from leakyolo.base.provenance import write_json

    real_gate = exporter.accuracy_gate

    def fail_at_64(fp32, int8, max_drop, name):  # one point's INT8 fails its gate: reported, not fatal
        if "-64-raw-" in name:
            raise GateError(f"INT8 accuracy gate failed for {name}: forced by the test")
        return real_gate(fp32, int8, max_drop, name)

    monkeypatch.setattr(exporter, "accuracy_gate", fail_at_64)
    failed, left_out = sweep(trained_run, [64], ["raw"], calib_images=16, calib_method="minmax", out=tmp_path / "f",
                             name="failing")
    assert [p.name for p in failed] == ["failing-64-raw-fp32.onnx"]
    assert left_out == [("64 px, raw", "INT8 accuracy gate failed for failing-64-raw-int8.onnx: forced by the test")]
    files = swept + [str(failed[0])]
    results = [write_json(tmp_path / "bench.json", bench(files, threads=(1,), warmup=1, runs=3, progress=False)),
               write_json(tmp_path / "eval.json", evaluate(files, str(learn_yaml)))]
    md = report(results, tmp_path / "report").read_text()
    section = md.split("## Speed-accuracy frontier")[1].split("\n## ")[0]
    assert "leakyolo-n int8, raw" in section and "leakyolo-n fp32, nms-free" in section
    assert "64 (" in section and "96 (" in section
    assert "failing-64-raw-fp32.onnx [shapes]: INT8 accuracy gate failed" in section
    assert (tmp_path / "report" / "frontier-shapes-1thr.png").stat().st_size > 10_000
    main = md.split("## Dataset: shapes")[1].split("\n## ")[0]
    assert main.count("| leakyolo-n |") == 4  # main and detail tables: one file per precision (96, NMS-free)
    assert json.loads((tmp_path / "eval.json").read_text())["models"][0]["card"]["head"] in ("nms-free", "raw")


def test_eval_keeps_the_rows_of_unchanged_files_only(swept, learn_yaml, monkeypatch):
    from leakyolo.compare.evaluate import evaluate
    from leakyolo.export import gates

    validated, real = [], gates.onnx_map
    monkeypatch.setattr(gates, "onnx_map", lambda m, *a: validated.append(m.name) or real(m, *a))
    first = evaluate(swept[:2], str(learn_yaml))
    assert len(validated) == 2 and "kept" not in first
    validated.clear()
    second = evaluate(swept[:3], str(learn_yaml), previous=first)  # one file added: only it is validated
    assert validated == [Path(swept[2]).name] and second["kept"] == {"rows": 2, "from": first["created"]}
    assert [r["mAP50-95"] for r in second["models"][:2]] == [r["mAP50-95"] for r in first["models"]]
    changed = [json.loads(json.dumps(first)) for _ in range(3)]
    changed[0]["versions"]["onnxruntime"] = "0.0"  # another runtime version
    changed[1]["data"]["content_sha256"] = "0" * 64  # other val images
    changed[2]["models"][0]["sha256"] = "0" * 64  # the file was re-exported
    for previous, expected in zip(changed, (2, 2, 1)):
        validated.clear()
        evaluate(swept[:2], str(learn_yaml), previous=previous)
        assert len(validated) == expected


def test_sweep_refuses_sizes_off_the_stride_before_exporting(trained_run, tmp_path, capsys):
    from leakyolo.cli import main
    from leakyolo.export.sweep import sweep

    with pytest.raises(UserError, match=r"--imgsz 100: not a multiple of the model stride 32"):
        sweep(trained_run, [64, 100], out=tmp_path)
    assert not list(tmp_path.iterdir())
    assert main(["export", str(trained_run), "--imgsz", "64,100", "--head", "both", "--out", str(tmp_path)]) == 2
    assert "not a multiple of the model stride" in capsys.readouterr().err and not list(tmp_path.iterdir())


def front(*pts, seeds=None):
    """A Pareto front from (ms, mAP, size) points; each point's seeds are the mean itself, or `seeds` offsets."""
    return pareto([(ms, acc, size, tuple(acc + d for d in seeds) if seeds else (acc,)) for ms, acc, size in pts])


def test_frontier_arithmetic():
    ours = front((2.0, 0.30, 192), (3.0, 0.40, 256), (4.0, 0.38, 320))
    assert [p[:3] for p in ours] == [(2.0, 0.30, 192), (3.0, 0.40, 256)]  # the slower, worse point is not on the front
    assert map_at(ours, 1.0) is None and map_at(ours, 2.5) == pytest.approx(0.35) and map_at(ours, 9.0) == 0.40
    assert ms_for(ours, 0.35) == pytest.approx(2.5) and ms_for(ours, 0.5) is None and ms_for(ours, 0.1) == 2.0


def test_dominates_needs_their_best_reached():
    ours = front((2.0, 0.30, 192), (3.0, 0.40, 256))
    theirs = front((2.5, 0.20, 192), (3.0, 0.30, 256), (5.0, 0.45, 320))  # their slowest point beats our best
    assert verdict(ours, theirs, 0.0, 64).word == "leads"  # was "dominates: +10.0 to +15.0"
    assert "does not reach their best" in verdict(ours, theirs, 0.0, 64).text
    close = front((2.5, 0.20, 192), (3.0, 0.30, 256), (5.0, 0.39, 320))  # their slowest within 2 points of our best
    v = verdict(ours, close, 2.0, 64)
    assert v.word == "leads" and "does not reach" not in v.text  # ours best 0.40 is above theirs, within the margin
    assert "beyond 3.00 ms their slower points come within the margin of our best: best 0.400 vs 0.390" in v.text
    better = front((2.5, 0.20, 192), (3.0, 0.30, 256), (5.0, 0.38, 320))
    assert verdict(ours, better, 0.0, 64).word == "dominates" and verdict(better, ours, 0.0, 64).word == "is dominated"


def test_faster_everywhere_is_not_dominance():
    # the full report's first claim: our most accurate point beat YOLO26n FP32's fastest, not its slower ones
    ours = front((4.80, 0.548, 256), (6.53, 0.607, 320))
    theirs = front((7.63, 0.539, 192), (12.3, 0.653, 256), (17.9, 0.693, 320))
    v = verdict(ours, theirs, 0.0, 64)
    assert v.word == "faster" and "8.6 points below their best 0.693" in v.text
    assert verdict(front((6.5, 0.70, 320)), theirs, 0.0, 64).word == "dominates"  # faster and above their best


def test_within_the_seed_margin_is_a_tie():
    spread = (-0.06, 0.06)  # seeds 12 points apart, as distilled LeakYOLO-n on digits
    ours = front((5.0, 0.49, 256), (6.0, 0.55, 320), seeds=spread)
    theirs = front((5.0, 0.52, 256), (6.0, 0.58, 320), seeds=(-0.03, 0.03))
    tol = margin(ours, theirs)
    assert tol == pytest.approx(2 * ((0.0072 / 2 + 0.0018 / 2) ** 0.5) * 100)
    assert verdict(ours, theirs, tol, 64).word == "ties"
    assert verdict(ours, theirs, 0.0, 64).word == "is dominated"  # the same means without seeds to judge by
    assert margin(front((5.0, 0.5, 256)), theirs) is None  # one seed: no margin


def test_a_lead_between_their_points_is_no_dominance():
    # the full report's raw heads, seed 0: ours leads where their front starts, theirs leads at our slowest point
    ours = front((2.96, 0.408, 192), (4.71, 0.548, 256), (6.53, 0.607, 320))
    theirs = front((4.86, 0.540, 192), (7.45, 0.652, 256), (10.45, 0.690, 320))
    v = verdict(ours, theirs, 0.0, 64)
    assert v.word == "crosses" and "-0.5 to +1.3 points over 4.86-6.53 ms" in v.text
    assert verdict(theirs, ours, 0.0, 64).word == "crosses"


def test_crossing_fronts_say_where_ours_leads():
    ours = front((2.0, 0.30, 192), (3.0, 0.40, 256))
    theirs = front((2.0, 0.25, 192), (3.0, 0.45, 256))
    v = verdict(ours, theirs, 1.0, 64)
    assert v.word == "crosses" and "ours leads at 2.00 ms;" in v.text


def test_interpolation_across_a_wide_gap_is_named():
    ours = front((2.0, 0.30, 96), (6.0, 0.50, 320))
    theirs = front((3.0, 0.35, 192), (4.0, 0.42, 256), (5.0, 0.49, 320))
    assert "interpolated across 96->320 px" in verdict(ours, theirs, 0.0, 32).text


def test_verdicts_are_like_for_like_per_head():
    col = ("machine", "1")

    def series(*pts):
        return {size: Point(lat={col: {0: ms}}, map={0: acc}) for ms, acc, size in pts}

    # digits, 1 thread: our raw head edges theirs out, our NMS-free head trails theirs
    found = {SeriesKey("d", "leakyolo-n", "int8", "", "raw", 320): series((5.0, 0.55, 256), (6.5, 0.607, 320)),
             SeriesKey("d", "leakyolo-n", "int8", "", "nms-free", 320): series((4.8, 0.44, 256), (6.4, 0.478, 320)),
             SeriesKey("d", "yolo26n", "int8", "", "raw", 320): series((6.5, 0.60, 256), (10.0, 0.62, 320)),
             SeriesKey("d", "yolo26n", "int8", "", "nms-free", 320): series((6.0, 0.52, 256), (9.9, 0.56, 320))}
    rows = {(r[0], r[1]): r for r in verdicts(found, ["d"], [col])[1]}
    assert rows["leakyolo-n INT8 vs yolo26n INT8", "NMS-free"][4].startswith("unconfirmed (one seed): is dominated")
    assert "leads by +0.7 to +0.7 points over 6.50-6.50 ms, but does not reach their best" in rows[
        "leakyolo-n INT8 vs yolo26n INT8", "raw + NMS"][4]
    assert rows["leakyolo-n INT8 vs yolo26n INT8", "raw + NMS"][3] == "1 seed: no margin"
    assert "best of both heads" in {r[1] for r in rows.values()}


def test_a_family_front_joins_the_sizes_it_was_trained_at():
    col = ("machine", "1")

    def series(*pts):
        return {size: Point(lat={col: {0: ms}}, map={0: acc}) for ms, acc, size in pts}

    found = {SeriesKey("d", "yolo26n", "fp32", "", "nms-free", 320): series((4.0, 0.40, 320), (2.5, 0.20, 256)),
             SeriesKey("d", "yolo26n@256", "fp32", "", "nms-free", 256): series((2.5, 0.30, 256)),
             SeriesKey("d", "leakyolo-n", "int8", "", "nms-free", 320): series((2.0, 0.25, 320))}
    assert [p[:3] for p in family_front(found, "d", "yolo26n", "fp32", col)] == [(2.5, 0.30, 256), (4.0, 0.40, 320)]
    rows = verdicts(found, ["d"], [col])[1]  # yolo26n@256 is no subject of its own: one of yolo26n's points
    assert {r[0] for r in rows} == {"leakyolo-n INT8 vs yolo26n FP32"} and len(rows) == 2  # NMS-free, best of both
    assert "faster at every point" in rows[0][4]  # not "dominates": 0.25 < 0.30 at 256


COL = ("machine", "1")


def two_seeds(*pts):
    """A series of (ms, mAP, size) points with two seeds 1 point apart: a margin of 1.4 points."""
    return {size: Point(lat={COL: {0: ms, 1: ms}}, map={0: acc - 0.005, 1: acc + 0.005}) for ms, acc, size in pts}


def three_seeds(*pts):
    """two_seeds' points with a third seed at their mean."""
    return {size: Point({c: {**lat, 2: lat[0]} for c, lat in p.lat.items()}, {**p.map, 2: sum(p.map.values()) / 2})
            for size, p in two_seeds(*pts).items()}


def family_fronts(series=two_seeds) -> dict:
    """Two family members whose joint front is above YOLO26n INT8's, and neither alone."""
    return {SeriesKey("d", "leakyolo-n", "int8", "", "raw", 160): series((1.0, 0.60, 128), (1.5, 0.64, 160)),
            SeriesKey("d", "leakyolo26-n", "int8", "", "raw", 160): series((2.0, 0.70, 128), (3.0, 0.74, 160)),
            SeriesKey("d", "yolo26n", "int8", "", "raw", 160): series((1.2, 0.58, 96), (2.5, 0.66, 128),
                                                                      (3.0, 0.72, 160))}


def test_the_leakyolo_family_front_joins_its_members_only():
    col, series = COL, two_seeds
    found = {**family_fronts(), SeriesKey("d", "leakyolo26-nw", "int8", "", "raw", 160): series((1.0, 0.90, 160))}
    front = family_front(found, "d", FAMILY, "int8", col)
    assert [p[:2] for p in front] == [(1.0, 0.60), (1.5, 0.64), (2.0, 0.70), (3.0, 0.74)]  # no candidate, no YOLO26n
    rows = {(r[0], r[1]): r[4] for r in verdicts(found, ["d"], [col])[1]}
    assert rows["LeakYOLO family INT8 vs yolo26n INT8", "raw + NMS"].startswith("dominates")
    assert rows["leakyolo-n INT8 vs yolo26n INT8", "raw + NMS"].startswith("leads")  # alone it never reaches 0.72
    # one member below theirs at 1.2 ms (0.556 vs 0.580): the family no longer dominates
    found[SeriesKey("d", "leakyolo-n", "int8", "", "raw", 160)] = series((1.0, 0.50, 128), (1.5, 0.64, 160))
    rows = {(r[0], r[1]): r[4] for r in verdicts(found, ["d"], [col])[1]}
    assert rows["LeakYOLO family INT8 vs yolo26n INT8", "raw + NMS"].startswith("crosses: ours leads at 1.50-3.00 ms")
    # one member only: no family row (it would repeat that member's)
    del found[SeriesKey("d", "leakyolo26-n", "int8", "", "raw", 160)]
    assert not [r for r in verdicts(found, ["d"], [col])[1] if r[0].startswith(FAMILY)]


def test_best_runtime_verdict_counts_their_other_runtimes():
    from leakyolo.compare.runtimes import runtime_verdicts

    col = ("machine", "1")

    def series(*pts):
        return {size: Point(lat={col: {0: ms}}, map={0: acc}) for ms, acc, size in pts}

    found = {SeriesKey("d", "leakyolo-n", "int8", "", "raw", 160): series((2.0, 0.50, 128), (3.0, 0.60, 160)),
             SeriesKey("d", "yolo26n", "int8", "", "raw", 160): series((3.0, 0.55, 128), (4.0, 0.58, 160))}
    assert runtime_verdicts(found, [col])[1] == []  # no file on another runtime: no such verdict
    found[SeriesKey("d", "leakyolo-n", "int8", "openvino", "raw", 160)] = series((2.5, 0.60, 160))
    rows = runtime_verdicts(found, [col])[1]
    assert rows[0][0] == "leakyolo-n vs yolo26n, each on its best runtime and precision"
    assert "dominates" in rows[0][3] and rows[0][3].startswith("unconfirmed (one seed)")
    # Ultralytics' own OpenVINO INT8 of YOLO26n as fast as ours and as accurate: theirs too, no longer dominated
    found[SeriesKey("d", "yolo26n", "int8", "ultralytics-openvino", "raw", 160)] = series((2.5, 0.60, 160))
    assert "dominates" not in runtime_verdicts(found, [col])[1][0][3]
    del found[SeriesKey("d", "yolo26n", "int8", "ultralytics-openvino", "raw", 160)]
    # their NCNN FP32 file is faster and more accurate than our best: ours must no longer dominate
    found[SeriesKey("d", "yolo26n", "fp32", "ncnn", "raw", 160)] = series((2.2, 0.65, 160))
    text = runtime_verdicts(found, [col])[1][0][3]
    assert "dominates" not in text.replace("is dominated", "") and "is dominated" in text


def test_trails_and_slower_only_where_they_hold():
    ours = front((3.0, 0.30, 192), (6.0, 0.50, 320))
    theirs = front((2.0, 0.35, 192), (4.0, 0.45, 320))
    v = verdict(ours, theirs, 0.0, 128)
    assert v.word == "trails" and "-10.0 to -8.3 points over 3.00-4.00 ms" in v.text  # our best 0.50 is beyond theirs
    assert verdict(ours, theirs, 12.0, 128).word == "ties"  # the same gap inside a 12-point margin is no trail
    slow = front((5.0, 0.50, 320))
    fast = front((2.0, 0.30, 192), (3.0, 0.40, 256))
    v = verdict(slow, fast, 0.0, 64)
    assert v.word == "slower" and "+10.0 points vs their best 0.400" in v.text
    assert verdict(front((5.0, 0.35, 320)), fast, 0.0, 64).word == "is dominated"  # slower and worse: not "slower"


def test_variants_name_who_made_a_file_and_where_it_runs():
    from leakyolo.compare.names import row_label, split_variant, variant
    from leakyolo.compare.results import RowKey

    cases = {"": {}, "openvino": {"runtime": "openvino"}, "ultralytics": {"quantization": "ultralytics export(...)"},
             "ultralytics-openvino": {"runtime": "openvino", "exporter": "ultralytics"},
             "ultralytics-ncnn": {"runtime": "ncnn", "exporter": "ultralytics", "quantization": None}}
    for expected, card in cases.items():
        assert variant(card) == expected
    assert split_variant("ultralytics-ncnn") == (True, "ncnn") and split_variant("") == (False, "onnxruntime")
    labels = [row_label(RowKey("d", "yolo26n", "int8", v)) for v in cases]
    assert labels == ["yolo26n int8", "yolo26n int8 (OpenVINO)", "yolo26n int8 (Ultralytics quantize=8)",
                      "yolo26n int8 (Ultralytics' OpenVINO export)", "yolo26n int8 (Ultralytics' NCNN export)"]


def test_first_screen_answer_says_what_the_verdicts_say():
    from leakyolo.compare.answer import answer

    col = ("cpu", "1")

    def series(*pts):  # two seeds per point: a margin exists
        return {size: Point(lat={col: {0: ms, 1: ms}}, map={0: acc - 0.002, 1: acc + 0.002}) for ms, acc, size in pts}

    found = {SeriesKey("d", "leakyolo-n", "int8", "", "raw", 160): series((1.2, 0.62, 128), (1.8, 0.70, 160)),
             SeriesKey("d", "leakyolo-n", "int8", "", "nms-free", 160): series((1.1, 0.55, 128), (1.7, 0.60, 160)),
             SeriesKey("d", "yolo26n", "int8", "", "raw", 160): series((2.0, 0.66, 128), (3.0, 0.72, 160)),
             SeriesKey("d", "yolo26n", "int8", "", "nms-free", 160): series((1.9, 0.60, 128), (2.9, 0.70, 160))}
    text = answer(found, [col], {"cpu": {"isa": ["avx2", "avx512_vnni"]}}, ["d"], "composed digits")
    assert text.startswith("**Should I deploy leakyolo-n INT8 instead of yolo26n on my CPU?** Measured on d "
                           "(composed digits), cpu (avx512_vnni), 1 thread, ONNX Runtime.")
    assert "dominates" not in text.replace("is dominated", "")  # ours never reaches their best: no dominance
    assert ("NMS-free: faster at every point (ours slowest 1.70 ms, theirs fastest 1.90 ms), 10.0 points below their "
            "best 0.700 (margin over 2 seeds: ±0.6)") in text
    assert ("At the same input size (160 px, raw head + NMS) leakyolo-n INT8 takes 0.60x yolo26n INT8's time "
            "(1.80 vs 3.00 ms) and scores -2.0 points mAP50-95 (0.700 vs 0.720, 2 seed(s)).") in text
    assert ("seed margin): ONNX Runtime: only LeakYOLO measured at 1.10 ms; LeakYOLO at 2.00 ms; YOLO26n at 3.00 ms."
            in text)  # by budget (YOLO26n's 1.9 / 2.9 ms points within 5% of 2.0 / 3.0: merged)
    assert "LeakYOLO family" not in text  # one member: no family sentence
    found[SeriesKey("d", "leakyolo26-n", "int8", "", "raw", 160)] = series((2.5, 0.75, 160))
    text = answer(found, [col], {"cpu": {"isa": ["avx2"]}}, ["d"], "")
    assert ("The LeakYOLO family (leakyolo-n, leakyolo26-n) as one INT8 front against yolo26n INT8, head for head: "
            "NMS-free: faster at every point") in text
    assert "raw + NMS: dominates: ours best 0.750 vs theirs 0.720 (margin over 2 seeds: ±0.6)" in text
    assert answer({}, [col], {}, [], "") == ""  # nothing measured: nothing said


def test_screening_table_ranks_each_model_head_for_head():
    from leakyolo.compare.screening import screen_table

    col = ("cpu", "1")

    def series(*pts):
        return {size: Point(lat={col: {0: ms, 1: ms}}, map={0: acc - 0.01, 1: acc + 0.01}) for ms, acc, size in pts}

    found = {SeriesKey("d", "leakyolo-n", "int8", "", "raw", 160): series((1.2, 0.62, 128), (1.8, 0.70, 160)),
             SeriesKey("d", "leakyolo-n", "int8", "openvino", "raw", 160): series((2.4, 0.70, 160)),
             SeriesKey("d", "leakyolo-n", "int8", "ncnn", "raw", 160): series((1.5, 0.69, 160)),
             SeriesKey("d", "leakyolo-nw", "int8", "", "raw", 160): series((2.0, 0.70, 128), (3.0, 0.75, 160)),
             SeriesKey("d", "yolo26n", "int8", "", "raw", 160): series((2.0, 0.66, 128), (3.0, 0.72, 160)),
             SeriesKey("d", "yolo26n@256", "int8", "", "raw", 256): series((5.0, 0.70, 256))}  # a size, not a row
    cards = {("d", "leakyolo-n"): {"params": 1.95e6, "gflops@640": 4.36}}
    header, body = screen_table(found, cards, [("cpu", "2"), col])
    rows = {r[1]: r for r in body}
    assert set(rows) == {"leakyolo-n", "leakyolo-nw", "yolo26n"}
    assert rows["leakyolo-n"][2:8] == ["1.95", "4.36", "1.80", "2.40", "1.50", "0.690 / 0.710"]
    assert rows["leakyolo-nw"][5] == "—"  # no NCNN file
    assert rows["leakyolo-nw"][8].startswith("dominates") and "(2 seeds: ±" in rows["leakyolo-nw"][8]
    assert "dominates" not in rows["leakyolo-n"][8]  # faster, never as accurate as their best
    assert rows["yolo26n"][8] == "—" and screen_table(found, cards, [("cpu", "2")]) == ([], [])


def test_family_targets_are_met_only_where_their_rules_hold():
    from leakyolo.compare.family_targets import family_targets

    col, series = COL, three_seeds
    fp32 = SeriesKey("d", "yolo26n", "fp32", "", "raw", 160), ((3.5, 0.73, 128), (5.0, 0.76, 160))
    found = {**family_fronts(series), fp32[0]: series(*fp32[1])}
    got = family_targets(found, [col], {})
    assert [r[3] for r in got] == ["yes", "**no**"]  # raw + NMS dominance (no NMS-free files); 0.75 never reached
    assert got[0][0] == "LeakYOLO family INT8 front dominates YOLO26n INT8's (raw + NMS)" and "3 seeds" in got[0][1]
    two = family_targets({**family_fronts(), fp32[0]: two_seeds(*fp32[1])}, [col], {})
    assert two[0][2].startswith("dominates") and [r[3] for r in two] == ["— (holds on 2 seeds; the target needs 3)",
                                                                         "**no**"]  # the same rule, one seed short
    assert family_targets(found, [col], {("d", "yolo26n", "fp32", ""): {"map": 0.7, "std": 0.09, "seeds": 2},
                                         ("d", "leakyolo-n", "int8", ""): {"map": 0.69, "std": 0.01, "seeds": 2}}
                          )[0][3].startswith("— (sanity check")  # seeds spread wider than the models differ
    assert got[1][2] == "never reaches 0.750 (best 0.740)"
    found[SeriesKey("d", "leakyolo26-n", "int8", "openvino", "raw", 160)] = series((2.0, 0.76, 160))
    point = family_targets(found, [col], {})[-1]
    assert point[2] == "0.435x (1.96 / 4.50 ms to reach 0.750)" and point[3] == "yes"
    # Ultralytics' own OpenVINO file of YOLO26n reaches 0.75 at 2.43 ms: ours is no longer twice as fast
    found[SeriesKey("d", "yolo26n", "int8", "ultralytics-openvino", "raw", 160)] = series((2.5, 0.76, 160))
    point = family_targets(found, [col], {})[-1]
    assert point[2].startswith("0.807x") and point[3] == "**no**"
    # one seed: nothing is met
    found = {k: {s: Point(p.lat, {0: p.map[0]}) for s, p in v.items()} for k, v in found.items()}
    assert {r[3] for r in family_targets(found, [col], {})} == {"— (one seed: unconfirmed)"}
