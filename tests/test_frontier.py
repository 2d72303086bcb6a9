"""The speed-accuracy sweep and its frontier: a tiny model exported at 2 sizes x 2 heads, benchmarked,
evaluated and reported; the frontier arithmetic on known numbers."""

import json
import re
import subprocess
import sys

import pytest

from leakyolo.base.errors import UserError
from leakyolo.compare.frontier import Point, SeriesKey, compare_fronts, family_front, map_at, ms_for, pareto, verdicts


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
    assert main.count("| leakyolo-n |") == 2  # the single-point table keeps one file per precision (96, NMS-free)
    assert json.loads((tmp_path / "eval.json").read_text())["models"][0]["card"]["head"] in ("nms-free", "raw")


def test_sweep_refuses_sizes_off_the_stride_before_exporting(trained_run, tmp_path, capsys):
    from leakyolo.cli import main
    from leakyolo.export.sweep import sweep

    with pytest.raises(UserError, match=r"--imgsz 100: not a multiple of the model stride 32"):
        sweep(trained_run, [64, 100], out=tmp_path)
    assert not list(tmp_path.iterdir())
    assert main(["export", str(trained_run), "--imgsz", "64,100", "--head", "both", "--out", str(tmp_path)]) == 2
    assert "not a multiple of the model stride" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_frontier_arithmetic():
    ours = pareto([(2.0, 0.30, 192), (3.0, 0.40, 256), (4.0, 0.38, 320)])
    assert ours == [(2.0, 0.30, 192), (3.0, 0.40, 256)]  # the slower, worse point is not on the front
    assert map_at(ours, 1.0) is None and map_at(ours, 2.5) == pytest.approx(0.35) and map_at(ours, 9.0) == 0.40
    assert ms_for(ours, 0.35) == pytest.approx(2.5) and ms_for(ours, 0.5) is None and ms_for(ours, 0.1) == 2.0
    theirs = pareto([(2.5, 0.20, 192), (3.0, 0.30, 256), (5.0, 0.45, 320)])
    assert compare_fronts(ours, theirs) == "dominates: +10.0 to +15.0 points at equal latency over 2.50-3.00 ms"
    assert compare_fronts(theirs, ours).startswith("is dominated")
    assert compare_fronts(ours, pareto([(2.0, 0.35, 1), (3.0, 0.36, 2)])).startswith("crosses: -5.0 to +4.0")
    assert compare_fronts(ours, [(7.0, 0.5, 320)]).startswith("no overlap: every point of ours is faster")
    assert compare_fronts(ours, [(7.0, 0.3, 320)]).startswith("dominates (no overlap): every point of ours is faster")
    assert compare_fronts([(7.0, 0.3, 320)], ours).startswith("is dominated (no overlap): every point of ours is slower")


def test_a_family_front_joins_the_sizes_it_was_trained_at():
    col = ("machine", "1")

    def series(*pts):
        return {size: Point(lat={col: {0: ms}}, map={0: acc}) for ms, acc, size in pts}

    found = {SeriesKey("d", "yolo26n", "fp32", "", "nms-free", 320): series((4.0, 0.40, 320), (2.5, 0.20, 256)),
             SeriesKey("d", "yolo26n@256", "fp32", "", "nms-free", 256): series((2.5, 0.30, 256)),
             SeriesKey("d", "leakyolo-n", "int8", "", "nms-free", 320): series((2.0, 0.25, 320))}
    assert family_front(found, "d", "yolo26n", "fp32", col) == [(2.5, 0.30, 256), (4.0, 0.40, 320)]
    (row,) = verdicts(found, ["d"], [col])[1]  # yolo26n@256 is no subject of its own: one of yolo26n's points
    assert row[0] == "leakyolo-n INT8 vs yolo26n FP32"
    assert row[2].startswith("no overlap: every point of ours is faster")  # not "dominates": 0.25 < 0.30 at 256
