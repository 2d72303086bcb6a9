"""Bench schema and interleaving, eval, and the report from several machines."""

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from leakyolo.detect import bench as bench_mod
from leakyolo.compare.report import report
from leakyolo.base.errors import UserError


def test_bench_schema_and_fingerprint(exported):
    record = bench_mod.bench([exported["fp32"], exported["int8"]], threads=(1, 2), warmup=2, runs=5, progress=False)
    assert record["schema"] == "leakyolo.bench/3" and record["settings"]["interleaved"]
    machine = record["machine"]
    for key in ("label", "cpu", "arch", "cores", "isa", "os", "python", "numpy", "onnxruntime"):
        assert machine[key] is not None, key
    for m in record["models"]:
        assert len(m["sha256"]) == 64 and m["card"]["precision"] in ("fp32", "int8")
        for threads in ("1", "2"):
            res = m["results"][threads]
            for part in ("model_only", "end_to_end"):
                stats = res[part]
                assert stats["n"] == 5 and 0 < stats["min"] <= stats["p50"] <= stats["p90"] <= stats["p99"]
            assert set(res["split_p50_ms"]) == {"preprocess_ms", "model_ms", "postprocess_ms"}
    assert record["peak_rss_mb"] > 0
    assert set(record["settings"]["others_cpu_busy"]) == {"before", "after"}
    for field in ("int8_peak_gops", "fp32_peak_gops"):
        assert set(record[field]) == {"1", "2"} and all(g > 1 for g in record[field].values()), field


def test_bench_warms_each_model_on_its_turn_then_times_model_only_and_end_to_end():
    import numpy as np

    calls = []

    class Fake:
        imgsz, timings = (32, 32), {"preprocess_ms": 0.0, "model_ms": 0.0, "postprocess_ms": 0.0}

        def __init__(self, name):
            self.name = name

        def run(self, x):
            calls.append((self.name, "run"))

        def __call__(self, frame):
            calls.append((self.name, "e2e"))

    frame = np.zeros((32, 32, 3), np.uint8)
    times = bench_mod.timed_runs({"a": Fake("a"), "b": Fake("b")}, {"a": frame, "b": frame}, warmup=1, runs=2,
                                 progress=False)
    turn = [("run",), ("run",), ("e2e",)]  # untimed call (weights back in the caches), model-only, end-to-end
    assert calls == [(m, *step) for _ in range(3) for m in "ab" for step in turn]
    assert all(len(times[m]["model"]) == len(times[m]["e2e"]) == 2 for m in "ab")


def test_bench_sessions_stop_spinning_after_each_run(exported, monkeypatch):
    from leakyolo.detect import session as session_mod

    made = []
    real = session_mod.session_options
    monkeypatch.setattr(session_mod, "session_options", lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    bench_mod.bench([exported["int8"]], threads=(2,), warmup=0, runs=1, progress=False)
    assert len(made) == 3  # the int8 and fp32 GEMM peaks and the model, all with the benchmark's options
    for opts in made:  # workers spin within a run, stop at its end: no stealing from the next model's run
        assert opts.intra_op_num_threads == 2 and opts.get_session_config_entry("session.force_spinning_stop") == "1"
    with pytest.raises(Exception, match="force_spinning_stop"):  # `detect` keeps ONNX Runtime's default
        real(2).get_session_config_entry("session.force_spinning_stop")


@pytest.mark.parametrize("precision, op, types", [("int8", "MatMulInteger", ("UINT8", "INT8", "INT32")),
                                                   ("fp32", "MatMul", ("FLOAT", "FLOAT", "FLOAT"))])
def test_gemm_models_are_what_their_builder_makes(precision, op, types):
    import onnx
    from onnx import TensorProto, helper

    from leakyolo.detect.peak import GEMMS

    a, b, y = (getattr(TensorProto, t) for t in types)
    graph = helper.make_graph([helper.make_node(op, ["A", "B"], ["Y"])], f"{precision}_gemm",
                              [helper.make_tensor_value_info("A", a, ["M", "K"]),
                               helper.make_tensor_value_info("B", b, ["K", "N"])],
                              [helper.make_tensor_value_info("Y", y, ["M", "N"])])
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="leakyolo", ir_version=8)
    assert onnx.load(str(GEMMS[precision])).SerializeToString() == built.SerializeToString()


def test_bench_interleaves_models(exported, monkeypatch):
    calls = []
    from leakyolo.detect.session import OnnxModel

    real = OnnxModel.run

    def spy(self, x):
        calls.append(self.path.name)
        return real(self, x)

    monkeypatch.setattr(OnnxModel, "run", spy)  # the runtime a Detector runs its ONNX file on
    bench_mod.bench([exported["fp32"], exported["int8"]], warmup=1, runs=3, progress=False)
    a, b = exported["fp32"].name, exported["int8"].name
    # each model's turn: an untimed run(), run() for model-only, then __call__ (which also calls run)
    assert calls == [a, a, a, b, b, b] * 4


def test_bench_refuses_model_changed_since_its_card(exported, tmp_path):
    copy = tmp_path / exported["int8"].name
    shutil.copy(exported["int8"], copy)
    shutil.copy(exported["int8"].with_suffix(".json"), copy.with_suffix(".json"))
    copy.write_bytes(copy.read_bytes() + b"\0")
    with pytest.raises(UserError, match="no longer matches its model card"):
        bench_mod.bench([copy], runs=1, warmup=0, progress=False)


def test_eval_of_tiny_models(pipeline_out):
    record = json.loads((pipeline_out / "results" / "eval-shapes.json").read_text())
    assert record["schema"] == "leakyolo.eval/1" and record["data"]["name"] == "shapes"
    assert {m["card"]["model"] for m in record["models"]} == {"leakyolo-n", "yolo26n"}
    for m in record["models"]:
        assert 0 <= m["mAP50-95"] <= m["mAP50"] <= 1 and set(m["per_class_mAP50-95"]) <= {"rectangle", "circle",
                                                                                           "triangle"}


def fake_machine(bench_file, tmp_path, label, factor):
    record = json.loads(bench_file.read_text())
    record["machine"]["label"] = label
    for m in record["models"]:
        for res in m["results"].values():
            for part in ("model_only", "end_to_end"):
                res[part] = {k: (round(v * factor, 4) if k != "n" else v) for k, v in res[part].items()}
    path = tmp_path / f"bench-{label.replace(' ', '_')}.json"
    path.write_text(json.dumps(record))
    return path, record


def test_report_from_two_machines(pipeline_out, tmp_path):
    results = pipeline_out / "results"
    pi, pi_record = fake_machine(results / "bench-shapes.json", tmp_path, "fake Pi 5", 7.0)
    md = report([results / "bench-shapes.json", pi, results / "eval-shapes.json"], tmp_path / "r", note="test").read_text()
    html = (tmp_path / "r" / "report.html").read_text()
    assert "fake Pi 5, 1 thr" in md and "fake Pi 5" in html and "<img" in html
    for m in pi_record["models"]:  # every latency number is traceable to the JSON
        p50 = m["results"]["1"]["model_only"]["p50"]  # the tables: main exports; the frontier: every file
        assert f"| {p50:.2f} |" in md or f"| {p50:.2f} ± " in md or "-raw-" in m["file"], (m["file"], p50)
        assert f"{m['imgsz'][0]} ({m['results']['1']['end_to_end']['p50']:.2f}, " in md, m["file"]
    lines = [line for line in md.splitlines() if line.startswith("| yolo26n | fp32 |")]  # main table, then details
    assert lines and lines[0].count("1.00x") == 4  # the baseline against itself, 2 machines x 2 thread counts
    int8 = [line for line in md.splitlines() if line.startswith("| leakyolo-n | int8 | LeakyReLU(0.1) |")]
    assert "int8 GOPS (% of GEMM peak)" in md and int8 and re.search(r"\| \d+ \(\d+%\) \|", int8[0])


def test_report_takes_a_machines_best_gemm_peak_in_any_order(pipeline_out, tmp_path):
    """One machine's bench files (e.g. one per dataset) measure the peak again: the best rate reached counts."""
    results = pipeline_out / "results"
    record = json.loads((results / "bench-shapes.json").read_text())
    record["int8_peak_gops"] = {t: g * 3 for t, g in record["int8_peak_gops"].items()}
    again = tmp_path / "bench-again.json"
    again.write_text(json.dumps(record))
    machine = record["machine"]["label"]
    best = "; ".join(f"{machine}, {t} thr: {g:.0f} GOPS, {g / record['fp32_peak_gops'][t]:.1f}x its fp32 GEMM peak "
                     f"of {record['fp32_peak_gops'][t]:.0f} GFLOPS" for t, g in record["int8_peak_gops"].items())
    for i, benches in enumerate(([results / "bench-shapes.json", again], [again, results / "bench-shapes.json"])):
        assert f"({best})" in report(benches, tmp_path / f"r{i}").read_text()


def test_report_refuses_other_schema_and_disjoint_machines(pipeline_out, tmp_path):
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({"schema": "leakyolo.bench/0", "models": []}))
    with pytest.raises(UserError, match="schema 'leakyolo.bench/0'"):
        report([bad], tmp_path / "r")
    other, record = fake_machine(pipeline_out / "results" / "bench-shapes.json", tmp_path, "other", 1.0)
    for m in record["models"]:
        m["sha256"] = "0" * 64
    other.write_text(json.dumps(record))
    with pytest.raises(UserError, match="no common model"):
        report([pipeline_out / "results" / "bench-shapes.json", other], tmp_path / "r2")


def test_report_writes_readme_block(pipeline_out, tmp_path):
    results = pipeline_out / "results"
    files = [results / "bench-shapes.json", results / "eval-shapes.json"]
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\n<!-- leakyolo answer: begin -->\nold answer\n<!-- leakyolo answer: end -->\n"
                      "intro\n<!-- leakyolo report: begin -->\nold table\n<!-- leakyolo report: end -->\ntail\n")
    report(files, tmp_path / "docs" / "r", title="T", note="n", readme=readme)
    once = readme.read_text()
    first_screen, rest = once.split("<!-- leakyolo answer: end -->\nintro\n")
    assert first_screen.startswith("# Title\n\n<!-- leakyolo answer: begin -->\n**Should I deploy leakyolo-n INT8 "
                                   "instead of yolo26n on my CPU?** Measured on shapes (n)")
    assert "old answer" not in first_screen and "At the same input size (64 px, raw head + NMS)" in first_screen
    assert rest.startswith("<!-- leakyolo report: begin -->\n**T** (n). Latency measured on ")
    assert once.endswith("[docs/r/report.md](docs/r/report.md).\n<!-- leakyolo report: end -->\ntail\n")
    assert "old table" not in once and "shapes:" in once
    bench = json.loads(files[0].read_text())
    created = bench["created"][:10]
    assert f", {created}." in once
    for m in bench["models"]:  # every latency in the block comes from the bench JSON (main exports)
        p50 = m['results']['1']['model_only']['p50']
        assert f"| {p50:.2f} |" in once or f"| {p50:.2f} ± " in once or "-raw-" in m["file"], m["file"]
    for m in json.loads(files[1].read_text())["models"]:
        assert f"| {m['mAP50-95']:.3f} | {m['mAP50']:.3f} |" in once, m["file"]
    report(files, tmp_path / "docs" / "r", title="T", note="n", readme=readme)
    assert readme.read_text() == once  # regenerating replaces the block, nothing piles up
    assert (tmp_path / "docs" / "r" / "summary.md").read_text().split("\n")[0] in once
    bare = tmp_path / "BARE.md"
    bare.write_text("# no markers\n")
    with pytest.raises(UserError, match="BARE.md: needs one '<!-- leakyolo report: begin -->' line"):
        report(files, tmp_path / "r3", readme=bare)
    assert not (tmp_path / "r3").exists() and bare.read_text() == "# no markers\n"


def test_report_checks_the_targets(pipeline_out, tmp_path):
    results = pipeline_out / "results"
    bench = json.loads((results / "bench-shapes.json").read_text())
    evals = json.loads((results / "eval-shapes.json").read_text())
    md = report([results / "bench-shapes.json", results / "eval-shapes.json"], tmp_path / "one").read_text()
    targets = md.split("## Targets")[1].split("\n\nLatency: model-only")[0]
    budget = md.split("## Which file for a latency budget")[1].split("\n## ")[0]
    assert "| ONNX Runtime | " in budget and "| LeakYOLO |" not in budget and "| YOLO26n |" not in budget  # 1 seed
    p50 = {(m["card"]["model"], m["card"]["precision"], "ultralytics" in (m["card"].get("quantization") or "")):
           m["results"]["1"]["model_only"]["p50"] for m in bench["models"] if "-raw-" not in m["file"]}
    ours, fp32 = p50[("leakyolo-n", "int8", False)], p50[("yolo26n", "fp32", False)]
    line = next(x for x in targets.splitlines() if "<= 0.33x YOLO26n FP32" in x and ", 1 thr |" in x)
    assert "| shapes at 64 px, " in line  # the input size the latencies were measured at
    assert f"| {ours / fp32:.3f}x ({ours:.2f} / {fp32:.2f} ms) | {'yes' if ours / fp32 <= 0.33 else '**no**'} |" in line
    best = min(v for (m, p, _), v in p50.items() if (m, p) == ("yolo26n", "int8"))
    assert f"{ours / best:.3f}x ({ours:.2f} / {best:.2f} ms, " in targets
    assert "mean of 1 seed(s)" in targets and "1 seed: not a comparison" in targets  # one seed never passes or fails
    acc = {(m["card"]["model"], m["card"]["precision"]): m["mAP50-95"] for m in evals["models"]}
    base = acc[("yolo26n", "fp32")]
    cases = ((0.008, 0.001, "yes"), (-0.015, 0.001, "**no**"),  # 2-seed means 0.8 above / 1.5 points below YOLO26n
             (-0.015, 0.01, "— (within the seed margin"),  # 1.4-point std: 0.5 from the threshold, unranked
             (0.008, 0.05, "— (sanity check: seed std up to 7.1"))  # seeds 10 points apart, models 0.8: no ranking
    for shift, half, verdict in cases:
        paths = []
        for seed, offset in ((0, half), (1, -half)):
            record = json.loads(json.dumps(evals))
            for m in record["models"]:
                if (m["card"]["model"], m["card"]["precision"]) == ("leakyolo-n", "int8"):
                    m["mAP50-95"] = base + shift + offset
            paths.append(tmp_path / f"eval-s{seed}-{shift}-{half}.json")
            paths[-1].write_text(json.dumps(record))
        md = report([results / "bench-shapes.json", *paths], tmp_path / "two").read_text()
        line = next(x for x in md.splitlines() if x.startswith("| INT8 mAP50-95 >= YOLO26n FP32 - 1 point"))
        assert f"| shapes, mean of 2 seed(s) | {shift * 100:+.1f} points ({base + shift:.3f} vs {base:.3f}) | " \
               f"{verdict}" in line, line
    assert "Targets:" in (tmp_path / "two" / "summary.md").read_text()


def test_rows_name_distilled_and_converted_models_and_their_training_cost():
    from leakyolo.compare.names import display_model
    from leakyolo.compare.results import Row
    from leakyolo.compare.tables import training_cost

    assert display_model({"model": "leakyolo-n", "teacher": "yolo26n"}, "f") == "leakyolo-n-distilled"
    assert display_model({"model": "yolo26n-converted", "teacher": "yolo26n", "converted_from": "yolo26n"},
                         "f") == "yolo26n-converted"
    assert display_model({}, "f.onnx") == "f.onnx"
    assert training_cost(Row(train_s=[100.0, 120.0], teacher_s=[200.0, 220.0])) == "110 (+ 210)"
    assert training_cost(Row(train_s=[90.0], teacher_s=[None])) == "90" and training_cost(Row()) == "—"


def test_a_report_renders_again_from_its_results_json(pipeline_out, tmp_path):
    first = report(sorted((pipeline_out / "results").glob("*.json")), tmp_path / "a", title="T").read_text()
    again = report([tmp_path / "a" / "results.json"], tmp_path / "b", title="T").read_text()
    assert first.split("## Machines")[0] == again.split("## Machines")[0]  # tables, frontier, verdicts, limits


def test_report_treats_result_files_as_untrusted(pipeline_out, tmp_path):
    evil = "/../../../x' onload='alert(document.domain)//"
    files = []
    for name in ("bench-shapes.json", "eval-shapes.json", "train-shapes.json"):
        record = json.loads((pipeline_out / "results" / name).read_text())
        for m in record["models"]:
            (m["card"] if "card" in m else m)["dataset"] = evil
            m.setdefault("card", {})["model"] = "$\\alpha$ net"  # mathtext would render a Greek letter
        files.append(tmp_path / name)
        files[-1].write_text(json.dumps(record))
    out = tmp_path / "deep" / "er" / "out"
    report(files, out)
    assert sorted(p.name for p in tmp_path.rglob("*.png")) == sorted(p.name for p in out.glob("*.png"))  # inside --out
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.png", p.name) for p in out.glob("*.png"))
    page = (out / "report.html").read_text()
    assert "onload='alert" not in page and "onload=&#x27;alert" in page  # escaped wherever it shows


@pytest.mark.parametrize("change, field", [
    (lambda r: r["models"][0].update(card=["a", "list"]), "record.models[0].card must be an object"),
    (lambda r: r["models"][0]["card"].update(dataset=7), "record.models[0].card.dataset must be str/NoneType"),
    (lambda r: r["models"][0].update(results="fast"), "record.models[0].results must be an object"),
    (lambda r: r["models"][0]["results"]["1"]["model_only"].update(p50="1 ms"), "model_only.p50 must be int/float"),
    (lambda r: r["models"][0]["results"]["1"]["end_to_end"].pop("p50"), "end_to_end.p50 must be present"),
    (lambda r: r.update(models={"a": 1}), "record.models must be a non-empty list"),
    (lambda r: r["machine"].update(label=None), "record.machine.label must be str"),
    (lambda r: r["machine"].update(isa="avx2"), "record.machine.isa must be a non-empty list"),
])
def test_malformed_bench_records_are_one_line(pipeline_out, tmp_path, change, field):
    record = json.loads((pipeline_out / "results" / "bench-shapes.json").read_text())
    change(record)
    bad = tmp_path / "bench.json"
    bad.write_text(json.dumps(record))
    with pytest.raises(UserError, match=re.escape(field)) as e:
        report([bad], tmp_path / "r")
    assert str(e.value).startswith(f"{bad}: leakyolo.bench/") and not (tmp_path / "r").exists()


def test_deep_nesting_and_wrong_accuracy_types(pipeline_out, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UserError, match="deep.json: not a readable JSON result"):
        report([deep], tmp_path / "r")
    record = json.loads((pipeline_out / "results" / "eval-shapes.json").read_text())
    record["models"][0]["mAP50-95"] = None
    bad = tmp_path / "eval.json"
    bad.write_text(json.dumps(record))
    with pytest.raises(UserError, match=r"record.models\[0\].mAP50-95 must be int/float"):
        report([bad], tmp_path / "r")


def test_runtime_matrix_is_like_for_like():
    from leakyolo.compare.results import Results
    from leakyolo.compare.runtimes import not_made, runtime_table

    def row(name, precision, runtime, head="raw", imgsz=160, quantization=None, seed=0, exporter=None, left_out=None):
        card = {"model": name, "precision": precision, "dataset": "digits", "head": head, "train_imgsz": 160,
                "seed": seed, "quantization": quantization, "exporter": exporter, "runtimes_left_out": left_out}
        return {"file": f"{name}-{precision}-{runtime}-{head}-{imgsz}-{seed}", "sha256": "0" * 64, "card": card,
                "runtime": runtime, "imgsz": [imgsz, imgsz],
                "results": {"1": {"model_only": {"p50": 1.0, "p90": 1.1}, "end_to_end": {"p50": 2.0 + seed}}}}

    machine = {"label": "x86"}
    onnx_only = [row("leakyolo-n", "int8", "onnxruntime")]
    assert runtime_table(Results([(None, {"machine": machine, "models": onnx_only})], [], []), "digits",
                         [("x86", "1")]) == ([], [])  # nothing to compare: no matrix
    rows = onnx_only + [row("leakyolo-n", "int8", "onnxruntime", seed=1), row("leakyolo-n", "int8", "openvino"),
                        row("leakyolo-n", "int8", "openvino", head="nms-free"),  # not the matrix's point
                        row("leakyolo-n", "fp32", "ncnn", imgsz=128),  # a sweep size, not the training size
                        row("yolo26n", "int8", "onnxruntime", quantization="ultralytics export(quantize=8)"),
                        row("yolo26n", "int8", "onnxruntime", head="nms-free", exporter="ultralytics"),
                        row("yolo26n", "int8", "openvino", seed=1, exporter="ultralytics")]
    header, body = runtime_table(Results([(None, {"machine": machine, "models": rows})], [], []), "digits",
                                 [("x86", "1")])
    assert header == ["model", "precision", "ONNX Runtime: mAP50-95 · p50 ms (1 thr)",
                      "OpenVINO: mAP50-95 · p50 ms (1 thr)"]
    # seeds averaged; no NCNN (sweep size only); Ultralytics' own files are rows of their own, never mixed into ours
    assert body == [["leakyolo-n", "int8", "— · 2.50 ms", "— · 2.00 ms"],
                    ["yolo26n (Ultralytics' export)", "int8", "— · 2.00 ms", "— · 3.00 ms"]]
    gate = "INT8 accuracy gate failed for yolo26n-s1: drop 2.90 > 1.5 points"
    rows = [row("yolo26n", "int8", "onnxruntime", left_out={"ncnn": gate}, seed=1), row("yolo26n", "int8", "ncnn"),
            row("yolo26n", "fp32", "onnxruntime", left_out={"ncnn": "pnnx could not convert it"})]
    results = Results([(None, {"machine": machine, "models": rows})], [], [])
    header, body = runtime_table(results, "digits", [("x86", "1")])
    assert body == [["yolo26n", "fp32", "— · 2.00 ms", "— (not made)"],  # why a cell is empty is said, per seed
                    ["yolo26n", "int8", "— · 3.00 ms", "— · 2.00 ms (not made for seed 1)"]]
    assert not_made(results, "digits") == ("Not made [digits]: yolo26n FP32 on NCNN, seed 0: pnnx could not convert it; "
                                           f"yolo26n INT8 on NCNN, seed 1: {gate}.")


def test_a_dataset_whose_seeds_spread_wider_than_the_models_differ_gets_no_accuracy_verdict():
    from leakyolo.compare.targets import check

    def avg(pairs):  # {(model, precision): (mean, std)}, 2 seeds each
        return {("d", m, p, ""): {"lat": {}, "map": mean, "std": std, "seeds": 2, "giga_ops": None, "imgsz": None}
                for (m, p), (mean, std) in pairs.items()}

    trees = avg({("leakyolo-n", "int8"): (0.072, 0.002), ("yolo26n", "fp32"): (0.066, 0.010)})
    (row,) = check(trees, [], {}, [])[1]
    assert row[2] == "+0.6 points (0.072 vs 0.066)"  # 1.6 points from the threshold, past a ±1.4 margin: yet
    assert row[3].startswith("— (sanity check: seed std up to 1.0 points exceeds every model difference, at most 0.6")
    digits = avg({("leakyolo-n", "int8"): (0.477, 0.001), ("yolo26n", "fp32"): (0.580, 0.046)})
    assert check(digits, [], {}, [])[1][0][3] == "**no**"  # 10.3 points apart with a 4.6-point std: ranked


ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "docs" / "reports"


@pytest.mark.parametrize("name", sorted(p.parent.name for p in REPORTS.glob("*/results.json")))
def test_committed_reports_are_what_the_code_renders_from_their_results(name, tmp_path):
    """Every committed report, and the README block the headline one writes, is what today's rules make of its own
    results.json: a rule changed in code cannot leave a stale verdict in docs/."""
    folder = REPORTS / name
    record = json.loads((folder / "results.json").read_text())
    readme = None
    if record["readme"]:
        readme = tmp_path / "README.md"
        shutil.copy(ROOT / "README.md", readme)
    out = tmp_path / "docs" / "reports" / name  # where README's link to it leads, as in the repository
    report([folder / "results.json"], out, record["title"], record["note"], readme)
    stale = [f for f in ("report.md", "summary.md") if (out / f).read_text() != (folder / f).read_text()]
    if readme and readme.read_text() != (ROOT / "README.md").read_text():
        stale.append("README.md")
    how = f"--title {shlex.quote(record['title'])} --note {shlex.quote(record['note'])}"
    assert not stale, (f"{stale} stale: run `leakyolo report docs/reports/{name}/results.json --out docs/reports/{name}"
                       f"{' --readme README.md' if readme else ''} {how}`")
