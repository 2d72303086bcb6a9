"""The main job: every artifact, skip-on-rerun, and resume after an interrupted training."""

import json

import cv2
import pytest

from leakyolo.models import registry
from leakyolo.pipeline import pipeline


def test_pipeline_artifacts(pipeline_out):
    onnx = pipeline_out / "onnx" / "shapes"
    names = sorted(p.name for p in onnx.glob("*.onnx"))
    assert names == ["leakyolo-n-s0-64-fp32.onnx", "leakyolo-n-s0-64-int8.onnx", "yolo26n-s0-64-fp32.onnx",
                     "yolo26n-s0-64-int8-ultralytics.onnx", "yolo26n-s0-64-int8.onnx"]
    for p in onnx.glob("*.onnx"):
        card = json.loads(p.with_suffix(".json").read_text())
        assert card["file"] == p.name and card["accuracy"] is not None
    for name in ("eval-shapes.json", "bench-shapes.json"):
        assert json.loads((pipeline_out / "results" / name).read_text())["models"]
    report = pipeline_out / "report"
    text = (report / "report.md").read_text()
    assert "quick budget: illustrative, not a comparison" in text and "| yolo26n | SiLU | fp32 |" in text
    for png in ("latency_vs_map.png", "latency_per_model.png", "int8_speedup.png"):
        assert (report / png).stat().st_size > 1000
    assert "data:image/png;base64," in (report / "report.html").read_text()
    cap = cv2.VideoCapture(str(pipeline_out / "demo.mp4"))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 16  # the 16 held-out val images
    assert len((pipeline_out / "demo.jsonl").read_text().splitlines()) == 16
    assert all((pipeline_out / "logs" / f"{s}.log").exists() for s in ("data-shapes", "report", "demo"))


def test_rerun_skips_every_stage(pipeline_out, capsys):
    pipeline("quick", data=["shapes"], models=["leakyolo-n", "yolo26n"], imgsz=64, epochs=1, out=pipeline_out.parent)
    err = capsys.readouterr().err
    stages = len(list((pipeline_out / "stages").glob("*.json")))
    assert err.count("up to date, skipped") == stages and "started" not in err


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
    from leakyolo.provenance import sha256_file

    assert registry.model_digest("leakyolo-n") == sha256_file(registry.model_yaml("leakyolo-n"))
    assert len({registry.model_digest(m) for m in ("leakyolo-n", "leakyolo-s", "yolo26n", "yolo26n-leaky")}) == 4


@pytest.mark.slow
def test_interrupted_training_resumes_in_pipeline(tmp_path, monkeypatch, capsys):
    import leakyolo.models.train as training

    real = training.train

    def interrupt_after_first_epoch(*args, **kwargs):
        def stop(trainer):
            raise KeyboardInterrupt

        kwargs["callbacks"] = {**(kwargs.get("callbacks") or {}), "on_model_save": stop}
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train", interrupt_after_first_epoch)
    run = dict(data=["shapes"], models=["leakyolo-n"], imgsz=64, epochs=2, out=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        pipeline("quick", **run)
    last = tmp_path / "quick" / "train" / "shapes-leakyolo-n-s0" / "weights" / "last.pt"
    assert last.is_file()
    monkeypatch.setattr(training, "train", real)
    capsys.readouterr()
    pipeline("quick", **run)
    err = capsys.readouterr().err
    assert "data-shapes: up to date, skipped" in err and f"resuming shapes-leakyolo-n-s0 from {last}" in err
    record = json.loads((last.parent.parent / "run.json").read_text())
    assert record["status"] == "done" and record["epochs"] == 2


def test_unknown_profile_and_model():
    from leakyolo.errors import UserError

    with pytest.raises(UserError, match="unknown profile"):
        pipeline("medium")
    with pytest.raises(UserError, match="unknown model"):
        pipeline("quick", models=["yolov5n"])


def test_stage_lock_shared_out_folder(tmp_path):
    import subprocess
    import sys

    from leakyolo.errors import UserError
    from leakyolo.stages import Stages, process_start

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
