"""The main job: every artifact, skip-on-rerun, and resume after an interrupted training."""

import json
import shutil

import cv2
import pytest

from leakyolo.export.quantize import host_int8_types
from leakyolo.models import registry
from leakyolo.pipeline import pipeline


def test_pipeline_artifacts(pipeline_out):
    onnx = pipeline_out / "onnx" / "shapes"
    names = sorted(p.name for p in onnx.glob("*.onnx"))
    assert names == ["leakyolo-n-s0-64-fp32.onnx", "leakyolo-n-s0-64-int8.onnx", "leakyolo-n-s0-64-raw-fp32.onnx",
                     "leakyolo-n-s0-64-raw-int8.onnx", "yolo26n-s0-64-fp32.onnx", "yolo26n-s0-64-int8-ultralytics.onnx",
                     "yolo26n-s0-64-int8.onnx", "yolo26n-s0-64-raw-fp32.onnx", "yolo26n-s0-64-raw-int8.onnx"]
    # the sweep at 64 px (nothing smaller): the raw head beside the main NMS-free export
    for p in onnx.glob("*.onnx"):
        card = json.loads(p.with_suffix(".json").read_text())
        assert card["file"] == p.name and card["accuracy"] is not None
    ours = json.loads((onnx / "leakyolo-n-s0-64-int8.json").read_text())["quantization"]
    assert ours["types"] == host_int8_types()  # the INT8 that is exact on the CPU the report measures
    for name in ("eval-shapes.json", "bench-shapes.json", "train-shapes.json"):
        assert json.loads((pipeline_out / "results" / name).read_text())["models"]
    report = pipeline_out / "report"
    text = (report / "report.md").read_text()
    assert "## Training to a plateau" in text and "| shapes | leakyolo-n | 0 |" in text  # every training's curve
    assert (report / "learning_curves-shapes.png").stat().st_size > 10_000
    assert "quick budget: illustrative, not a comparison" in text and "| yolo26n | fp32 | SiLU |" in text
    frontier = text.split("## Speed-accuracy frontier")[1].split("\n## ")[0]
    assert "| leakyolo-n int8, raw | 64 | 64 (" in frontier and "(one point: a frontier needs two)" in frontier
    for heads in ("NMS-free", "raw + NMS", "best of both heads"):  # per dataset, thread count and head view
        assert f"| leakyolo-n INT8 vs yolo26n FP32 | {heads} | shapes, " in frontier
    assert "(raw head + NMS)" in text.split("## Targets")[1]
    for png in ("latency_vs_map-shapes-1thr.png", "latency_vs_map-shapes-2thr.png", "latency_per_model-shapes.png",
                "int8_speedup-shapes.png"):  # one set per dataset, one accuracy / latency plot per thread count
        assert (report / png).stat().st_size > 1000
    assert "data:image/png;base64," in (report / "report.html").read_text()
    cap = cv2.VideoCapture(str(pipeline_out / "demo.mp4"))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 16  # the 16 held-out val images
    assert len((pipeline_out / "demo.jsonl").read_text().splitlines()) == 16
    assert all((pipeline_out / "logs" / f"{s}.log").exists() for s in ("data-shapes", "report", "demo"))


def test_pipeline_runtime_matrix(pipeline_out):
    from leakyolo.export.targets import available

    if not (available("openvino") and available("ncnn") and available("nncf")):
        pytest.skip("the [openvino-export] and [ncnn-export] extras are not installed")
    onnx = pipeline_out / "onnx" / "shapes"
    folders = sorted(p.name for p in onnx.glob("*_model"))
    kinds = (("fp32", "ncnn"), ("fp32", "openvino"), ("int8", "openvino"))
    ultralytics = [f"yolo26n-s0-64-raw-{p}-ultralytics_{r}_model" for p, r in kinds]  # the baselines a user makes
    ours = [f"{m}-s0-64-raw-{p}_{r}_model" for m in ("leakyolo-n", "yolo26n") for p, r in (*kinds, ("int8", "ncnn"))]
    assert folders == sorted(ours + ultralytics)
    bench = json.loads((pipeline_out / "results" / "bench-shapes.json").read_text())
    assert {m["runtime"] for m in bench["models"]} == {"onnxruntime", "openvino", "ncnn"}
    text = (pipeline_out / "report" / "report.md").read_text()
    matrix = text.split("## Runtimes")[1].split("\n## ")[0]
    assert "| model | precision | ONNX Runtime: mAP50-95 · p50 ms (1 thr, 2 thr) | OpenVINO: " in matrix
    assert "| leakyolo-n | int8 |" in matrix and matrix.count(" ms |") >= 12  # 4 rows x 3 runtimes
    assert "| yolo26n (Ultralytics' export) | int8 | — | 0." in matrix  # NNCF INT8 on OpenVINO only
    main_table = text.split("## Dataset: shapes")[1].split("\n## ")[0]
    assert "OpenVINO" not in main_table and "NCNN" not in main_table  # other runtimes only in their matrix
    assert "| leakyolo-n vs yolo26n, each on its best runtime and precision | shapes, " in matrix
    if shutil.which("qemu-aarch64"):  # the ARM stage: the raw head on each runtime, their NCNN files included
        arm = json.loads((pipeline_out / "results" / "arm-shapes.json").read_text())["models"]
        ncnn = {r["file"] for r in arm if r["runtime"] == "ncnn"}
        assert ncnn == {f"{m}-s0-64-raw-{p}_ncnn_model" for m in ("leakyolo-n", "yolo26n") for p in ("fp32", "int8")} | {
            "yolo26n-s0-64-raw-fp32-ultralytics_ncnn_model"}
        assert "| cortex-a76 | yolo26n (Ultralytics' NCNN export) | — | — | " in text  # the fewest-instructions table


def test_rerun_skips_every_stage(pipeline_out, capsys):
    pipeline("quick", data=["shapes"], models=["leakyolo-n", "yolo26n"], imgsz=64, epochs=1, out=pipeline_out.parent)
    err = capsys.readouterr().err
    stages = len(list((pipeline_out / "stages").glob("*.json")))
    assert err.count("up to date, skipped") == stages and "started" not in err
    assert "2 of 2 trainings done, 0 part-way: ~0 min of training left here" in err


def test_train_only_then_reuse_on_another_device(tmp_path, capsys, monkeypatch):
    run = dict(data=["shapes"], models=["leakyolo-n"], imgsz=64, epochs=1, out=tmp_path, train_only=True)
    assert pipeline("quick", **run) == tmp_path / "quick"
    record = json.loads((tmp_path / "quick" / "train" / "shapes-leakyolo-n-s0" / "run.json").read_text())
    assert record["status"] == "done" and record["device"] == "cpu" and record["device_name"]
    assert not (tmp_path / "quick" / "onnx").exists() and "Rerun without --train-only" in capsys.readouterr().err
    pipeline("quick", **{**run, "device": "0"})  # e.g. trained on a GPU box, reused here: nothing retrains
    assert "train-shapes-leakyolo-n-s0: up to date, skipped" in capsys.readouterr().err
    monkeypatch.setattr(registry, "model_digest", lambda name: "a changed model YAML")
    pipeline("quick", **run)
    assert "train-shapes-leakyolo-n-s0: started" in capsys.readouterr().err


def test_model_digest_is_the_yaml_hash():
    from leakyolo.base.provenance import sha256_file

    assert registry.model_digest("leakyolo-n") == sha256_file(registry.model_yaml("leakyolo-n"))
    assert len({registry.model_digest(m) for m in ("leakyolo-n", "leakyolo-s", "yolo26n", "yolo26n-leaky")}) == 4


@pytest.mark.slow
def test_interrupted_training_resumes_in_pipeline(tmp_path, monkeypatch, capsys):
    import leakyolo.models.train as training

    real = training.train

    def interrupt_after_first_epoch(model, data, opts, **kwargs):
        def stop(trainer):
            raise KeyboardInterrupt

        return real(model, data, opts.but(callbacks={**opts.callbacks, "on_model_save": stop}), **kwargs)

    monkeypatch.setattr(training, "train", interrupt_after_first_epoch)
    run = dict(data=["shapes"], models=["leakyolo-n"], imgsz=64, epochs=2, out=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        pipeline("quick", **run)
    last = tmp_path / "quick" / "train" / "shapes-leakyolo-n-s0" / "weights" / "last.pt"
    assert last.is_file()
    first = float((last.parent.parent / "results.csv").read_text().splitlines()[1].split(",")[1])  # epoch 1's time
    monkeypatch.setattr(training, "train", real)
    capsys.readouterr()
    pipeline("quick", **run)
    err = capsys.readouterr().err
    assert "data-shapes: up to date, skipped" in err and f"resuming shapes-leakyolo-n-s0 from {last}" in err
    record = json.loads((last.parent.parent / "run.json").read_text())
    assert record["status"] == "done" and record["epochs"] == 2
    assert record["resumed"] == [[1, first]]  # at the resume: 1 epoch done, in `first` seconds
    assert record["resumes"] == 1 and record["wall_seconds"] > first  # the training's cost counts both invocations


def test_unknown_profile_and_model():
    from leakyolo.base.errors import UserError

    with pytest.raises(UserError, match="unknown profile"):
        pipeline("medium")
    with pytest.raises(UserError, match="unknown model"):
        pipeline("quick", models=["yolov5n"])


def test_disk_need_follows_the_plan(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    from leakyolo.base.errors import UserError
    from leakyolo.pipeline.estimate import disk_need_gb
    from leakyolo.pipeline.plan import settle

    small = disk_need_gb(*settle("quick", ["shapes"], ["leakyolo-n"], 64, None, 1, 1))
    full = disk_need_gb(*settle("full", None, None, None, None, None, 1))
    assert small < 1.0 < 1.5 < full  # a test-sized run asks little; the full profile's 18 trainings took 0.93 GiB
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(2**40, 2**40 - 2**29, 2**29))  # 0.5 GiB free
    with pytest.raises(UserError, match=r"not enough disk at .*0\.5 GiB free, the pipeline needs about"):
        pipeline("quick", data=["shapes"], models=["leakyolo-n"], imgsz=64, epochs=1, out=tmp_path)
    assert not (tmp_path / "quick" / "stages").exists()  # stopped before anything ran


def test_a_stage_a_job_ran_keeps_its_time(tmp_path):
    from leakyolo.pipeline.runner import Stages

    st = Stages(tmp_path)
    st.run("train-a", {"x": 1}, [], lambda: "r")
    st.timings["train-a"] = 12.0  # as jobs.py records a training it ran in a child process
    assert st.run("train-a", {"x": 1}, [], lambda: "again") == "r"  # then the pipeline finds it done
    st.run("b", {"x": 1}, [], lambda: "r")
    assert st.timings["train-a"] == 12.0 and st.timings["b"] < 12.0 and st.run("b", {"x": 1}, [], None) == "r"
    assert 0 < st.wall_minutes() < 1


def test_stage_lock_shared_out_folder(tmp_path):
    import subprocess
    import sys

    from leakyolo.base.errors import UserError
    from leakyolo.pipeline.runner import Stages, process_start

    st = Stages(tmp_path)
    lock = tmp_path / "stages" / "a.lock"
    ran = []
    assert st.run("a", {"x": 1}, [], lambda: ran.append(1) or "r1") == "r1" and not lock.exists()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(f"{other.pid} {process_start(other.pid)}")  # another live process runs stage a
        with pytest.raises(UserError, match=f"stage a is being run by process {other.pid} "):
            st.run("a", {"x": 2}, [], lambda: ran.append(2))
        assert st.run("a", {"x": 1}, [], lambda: ran.append(3)) == "r1"  # finished stages still skip
        lock.write_text(f"{other.pid} 1")  # the pid now belongs to a different process than the lock's
        assert st.run("a", {"x": 2}, [], lambda: ran.append(4) or "r2") == "r2"
    finally:
        other.kill()
        other.wait()
    lock.write_text(f"{other.pid} {process_start(other.pid)}")  # its owner died: taken over
    assert st.run("a", {"x": 3}, [], lambda: ran.append(5) or "r3") == "r3"
    assert ran == [1, 4, 5] and not lock.exists()


def test_jobs_train_side_by_side_on_their_own_cores(tmp_path, capsys):
    import os

    from leakyolo.pipeline.jobs import core_groups

    cores = len(os.sched_getaffinity(0))
    assert cores >= 2, "this test needs 2 CPU cores (CI has 2)"
    pipeline("quick", data=["shapes"], models=["leakyolo-n", "yolo26n"], imgsz=64, epochs=1, out=tmp_path,
             train_only=True, jobs=2)
    err = capsys.readouterr().err
    out = tmp_path / "quick"
    for model in ("leakyolo-n", "yolo26n"):
        stage = f"train-shapes-{model}-s0"
        assert f"{stage}: started on cores [" in err and f"{stage}: done in " in err
        assert f"{stage}: started" in (out / "logs" / f"{stage}.job.log").read_text()  # the child's own output
        assert (out / "stages" / f"{stage}.json").is_file()
        run = json.loads((out / "train" / f"shapes-{model}-s0" / "run.json").read_text())
        assert run["status"] == "done" and run["torch_threads"] in {len(g) for g in core_groups(2)}  # its cores
    pipeline("quick", data=["shapes"], models=["leakyolo-n", "yolo26n"], imgsz=64, epochs=1, out=tmp_path,
             train_only=True, jobs=2)
    err = capsys.readouterr().err
    assert "started" not in err and err.count("up to date, skipped") == 3  # data and both trainings


def test_training_estimates_are_measured_here_and_scale_with_the_work(tmp_path):
    from types import SimpleNamespace

    from leakyolo.pipeline.estimate import DISTILL_OVERHEAD, image_seconds, training_cost
    from leakyolo.pipeline.profiles import PROFILES
    from leakyolo.pipeline.training import epochs_done

    cfg = PROFILES["full"]
    cost = training_cost(cfg, ["leakyolo-n", "leakyolo-n-distilled", "yolo26n"], jobs=2)
    assert 0 < image_seconds("leakyolo-n", 320, 1) < 10  # this CPU's forward + backward pass of one image
    assert cost["digits", "leakyolo-n-distilled"] == pytest.approx(DISTILL_OVERHEAD * cost["digits", "leakyolo-n"])
    for model in ("leakyolo-n", "yolo26n"):  # 750 digits images against the 128 trees tiles, same epochs and size
        assert cost["digits", model] / cost["trees", model] == pytest.approx(750 / 128)
    by_data = {ds: [c for (d, _), c in cost.items() if d == ds] for ds in ("digits", "trees")}
    assert min(by_data["digits"]) > max(by_data["trees"])  # longest first: every digits training before trees
    run = tmp_path / "train" / "digits-yolo26n-s0"
    plan = SimpleNamespace(out=tmp_path)
    assert epochs_done(plan, "digits", "yolo26n", 0) == 0  # never started
    run.mkdir(parents=True)
    (run / "results.csv").write_text("epoch,time\n1,50\n2,99\n")
    assert epochs_done(plan, "digits", "yolo26n", 0) == 2  # it resumes after these


def test_jobs_failures_and_limits(tmp_path):
    import os

    from leakyolo.base.errors import UserError
    from leakyolo.pipeline.jobs import run_jobs
    from leakyolo.pipeline.runner import Stages

    st = Stages(tmp_path)
    with pytest.raises(UserError, match=r"stage train-x failed in its job \(exit 2; log .*train-x.job.log\)"):
        run_jobs(st, [("train-x", ["no-such-command"], set()), ("train-y", ["--version"], set())], [None])
    assert "invalid choice: 'no-such-command'" in (tmp_path / "logs" / "train-x.job.log").read_text()
    assert not (tmp_path / "logs" / "train-y.job.log").exists()  # nothing new starts after a failure
    run_jobs(st, [("a", ["--version"], set()), ("b", ["--version"], {"a"})], [None, None])
    assert (tmp_path / "logs" / "b.job.log").read_text().startswith("leakyolo ")
    too_many = len(os.sched_getaffinity(0)) + 1
    with pytest.raises(UserError, match=f"--jobs {too_many}: this process may use"):
        pipeline("quick", jobs=too_many, out=tmp_path)
    with pytest.raises(UserError, match="--jobs 0: pass 1 or more"):
        pipeline("quick", jobs=0, out=tmp_path)


JOBS_KILLED = r"""
import os, signal, sys, threading
from pathlib import Path
import pytest
from leakyolo.pipeline import jobs
from leakyolo.pipeline.runner import Stages

started = []
real_start = jobs.start
# children that ignore SIGINT, as those of a pipeline started in the background with `&` do
child = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(120)"
jobs.leakyolo_command = lambda: [sys.executable, "-c", child]
jobs.start = lambda *a: started.append(real_start(*a)[0]) or (started[-1], None)
threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()  # `kill <pipeline pid>`
with pytest.raises(KeyboardInterrupt):
    jobs.run_jobs(Stages(Path(sys.argv[1])), [("a", [], set()), ("b", [], set()), ("c", [], set())], [None, None])
assert len(started) == 2 and all(p.returncode is not None for p in started)  # both stopped, c never started
assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the pipeline's own handler is put back
print("ok")
"""


def test_jobs_stop_their_children_when_the_pipeline_is_killed(tmp_path):
    # in its own interpreter: the signal goes to the whole process, which must not be pytest's (it has run
    # the pipeline fixture, OpenVINO and NCNN included, in-process; docs/runtimes.md, known issues)
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", JOBS_KILLED, str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


def test_recipes_train_after_their_source_and_follow_its_hash(tmp_path, capsys):
    import shutil

    from leakyolo.base.provenance import sha256_file

    run = dict(data=["shapes"], models=["leakyolo-n-distilled", "yolo26n-converted"], imgsz=64, epochs=1,
               out=tmp_path, train_only=True)
    pipeline("quick", **run, jobs=2)
    err = capsys.readouterr().err
    assert "models: yolo26n, leakyolo-n-distilled, yolo26n-converted" in err  # the source joins, trained first
    for student in ("leakyolo-n-distilled", "yolo26n-converted"):
        assert err.index("train-shapes-yolo26n-s0: done") < err.index(f"train-shapes-{student}-s0: started")
    train = tmp_path / "quick" / "train"
    teacher = train / "shapes-yolo26n-s0" / "weights" / "best.pt"
    distilled = json.loads((train / "shapes-leakyolo-n-distilled-s0" / "run.json").read_text())
    converted = json.loads((train / "shapes-yolo26n-converted-s0" / "run.json").read_text())
    assert distilled["teacher"]["sha256"] == sha256_file(teacher) and distilled["teacher"]["dis"] == 1.5
    assert distilled["teacher"]["wall_seconds"] > 0  # the report shows the teacher's training cost
    assert converted["model"] == "yolo26n-converted" and converted["converted_from"]["sha256"] == sha256_file(teacher)
    assert converted["epochs"] == 1  # a conversion's 10 fine-tune epochs, capped by the profile's
    # the fine-tune schedule wins over the quick profile's warmup (1 epoch); the plain rows keep it
    assert converted["optimizer"]["lr0"] == 0.001 and converted["settings"]["warmup_epochs"] == 0
    assert distilled["optimizer"]["lr0"] == 0.01 and distilled["settings"]["warmup_epochs"] == 1
    shutil.copy(train / "shapes-leakyolo-n-distilled-s0" / "weights" / "best.pt", teacher)  # "a retrained teacher"
    pipeline("quick", **run)
    err = capsys.readouterr().err
    assert "train-shapes-yolo26n-s0: up to date, skipped" in err
    for student in ("leakyolo-n-distilled", "yolo26n-converted"):  # its hash is their stage input
        assert f"train-shapes-{student}-s0: started" in err


def test_a_baseline_trained_at_a_smaller_size(tmp_path, monkeypatch):
    from leakyolo.pipeline.profiles import RECIPES

    monkeypatch.setitem(RECIPES, "yolo26n@64", {"model": "yolo26n", "imgsz": 64, "seeds": 1})  # as yolo26n@256
    report = pipeline("quick", data=["shapes"], models=["yolo26n@64"], imgsz=96, seeds=[0, 1], epochs=1, out=tmp_path)
    out = tmp_path / "quick"
    assert sorted(p.name for p in (out / "train").iterdir()) == ["shapes-yolo26n@64-s0"]  # its first seed only
    run = json.loads((out / "train" / "shapes-yolo26n@64-s0" / "run.json").read_text())
    assert run["model"] == "yolo26n@64" and run["imgsz"] == 64
    files = {p.name for p in (out / "onnx" / "shapes").glob("*fp32.onnx")}
    assert files == {"yolo26n@64-s0-64-fp32.onnx", "yolo26n@64-s0-64-raw-fp32.onnx"}  # its own size, both heads
    text = report.read_text()
    assert "| yolo26n@64 | fp32 | SiLU |" in text and "| yolo26n@64 fp32, raw | 64 | 64 (" in text
    assert "a model named MODEL@SIZE was trained at that smaller size" in text


def test_jobs_wait_for_their_prerequisites():
    from leakyolo.pipeline.jobs import next_ready

    queue = [("b", [], {"a"}), ("c", [], set())]
    assert next_ready(queue, {"proc": ("a", None, None, 0)})[0] == "c"  # a still runs: b waits
    assert next_ready(queue, {})[0] == "b"  # a done
    assert next_ready([("b", [], {"a"})], {"proc": ("a", None, None, 0)}) is None


def test_sweep_sizes_reach_above_the_training_size_where_a_profile_asks():
    from leakyolo.pipeline.profiles import PROFILES, sweep_sizes

    assert sweep_sizes(PROFILES["converged"]) == [96, 128, 160, 192]  # up 1: the fronts go on above 160 px
    assert sweep_sizes(PROFILES["full"]) == [192, 256, 320]  # no `up`: the training size is the largest
    assert sweep_sizes({"imgsz": 96, "sweep": {"step": 32, "steps": 2, "up": 2}}) == [64, 96, 128, 160]  # >= 64
