"""Model registry, activation census, budgets, and a 1-epoch train with run.json and resume."""

import csv
import json
import math
import os

import pytest

from leakyolo.cli import main
from leakyolo.base.errors import UserError
from leakyolo.models import REGISTRY, model_yaml, spec
from leakyolo.models.census import NON_PIECEWISE_LINEAR, census, params_and_gflops


def build(name):
    from ultralytics import YOLO

    return YOLO(model_yaml(name)).model


@pytest.fixture(scope="module")
def built():
    return {name: build(name) for name in REGISTRY}


def test_every_registered_model_builds(built):
    for name, model in built.items():
        head = model.model[-1]
        assert hasattr(head, "one2one_cv2") and head.reg_max == 1, name  # YOLO26-style NMS-free head
        assert head.nc == 80


def test_leaky_models_have_no_smooth_ops_outside_head(built):
    ours = [name for name, s in REGISTRY.items() if s.ours and s.leaky]  # every Leaky model of ours, as registered
    assert len(ours) >= 9
    for name in ours:
        counts = census(built[name])
        assert set(counts["total"]) == {"LeakyReLU"}, (name, counts)
        assert counts["outside_head"]["LeakyReLU"] > 20
    assert set(census(built["leakyolo-n-relu"])["total"]) == {"ReLU"}  # the labelled ablation
    assert "LeakyReLU(0.01)" in open(model_yaml("leakyolo-n-slope001")).read()
    assert set(census(built["yolo26n-relu"])["total"]) & set(NON_PIECEWISE_LINEAR) == {"Attention"}  # not a member
    swap = census(built["yolo26n-leaky"])
    assert "SiLU" not in swap["total"] and swap["total"]["LeakyReLU"] > 100
    assert set(swap["total"]) & set(NON_PIECEWISE_LINEAR) == {"Attention"}  # only inside C2PSA
    assert census(built["yolo26n"])["total"]["SiLU"] > 100


def test_rep_branches_take_the_yaml_activation_and_fuse_exactly(built):
    """RepConv follows the YAML's Leaky ReLU (Ultralytics would give it SiLU) and fuses to one 3x3 conv per block."""
    import copy

    import torch
    from ultralytics.nn.modules.conv import RepConv

    model = copy.deepcopy(built["leakyolo26-nrep"])
    reps = [m for m in model.modules() if isinstance(m, RepConv)]
    assert len(reps) >= 10 and all(type(m.act).__name__ == "LeakyReLU" for m in reps)
    torch.manual_seed(0)
    model.train()
    model(torch.rand(2, 3, 64, 64))  # batch-norm statistics away from their identity start
    model.eval()
    x = torch.rand(1, 3, 64, 64)
    before = model(x)[0]
    fused = model.fuse(verbose=False)
    assert not any(hasattr(m, "conv2") for m in fused.modules() if isinstance(m, RepConv))  # one conv left
    assert torch.allclose(fused(x)[0], before, atol=1e-4)


def test_resumed_rep_model_keeps_the_yaml_activation(built, tmp_path):
    """Resuming rebuilds a model from the YAML stored in its checkpoint, in a process that never used the registry:
    RepConv must still take the YAML's Leaky ReLU there (any LeakYOLO command imports Ultralytics the same way)."""
    import subprocess
    import sys

    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(built["leakyolo26-nrep"].yaml))
    code = ("import json, sys; from leakyolo.base.offline import import_ultralytics; import_ultralytics(); "
            "from ultralytics.nn.tasks import DetectionModel; from leakyolo.models.census import census; "
            "m = DetectionModel(cfg=json.load(open(sys.argv[1])), verbose=False); print(sorted(census(m)['total']))")
    done = subprocess.run([sys.executable, "-c", code, str(cfg)], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "['LeakyReLU']"


def test_activation_state_does_not_leak_between_builds():
    build("leakyolo-n")
    assert "SiLU" in census(build("yolo26n"))["total"]


def test_budgets(built):
    size = {name: params_and_gflops(built[name]) for name in ("leakyolo-n", "leakyolo-s", "yolo26n", "yolo26s")}
    assert size["yolo26n"]["params"] == pytest.approx(2.41e6, rel=0.01)  # Ultralytics' published fused figure
    for ours, base in (("leakyolo-n", "yolo26n"), ("leakyolo-s", "yolo26s")):
        assert size[ours]["params"] <= size[base]["params"]
        assert size[ours]["gflops@640"] <= size[base]["gflops@640"]


def test_slope_is_configurable():
    path = model_yaml("leakyolo-n", slope=0.05)
    assert "LeakyReLU(0.05)" in open(path).read()


def test_unknown_model_lists_names(capsys):
    with pytest.raises(UserError, match="registered models are leakyolo-n, leakyolo-s"):
        spec("yolov99")
    assert main(["train", "--model", "yolov99", "--data", "shapes"]) == 2
    assert "registered models are" in capsys.readouterr().err


def test_train_run_json(trained_run):
    from ultralytics import YOLO

    record = json.loads((trained_run / "run.json").read_text())
    for key in ("model", "census", "params", "gflops@96", "gflops@640", "dataset", "seed", "epochs", "optimizer",
                "wall_seconds", "metrics", "versions", "command", "weights"):
        assert key in record, key
    assert record["status"] == "done" and record["model"] == "leakyolo-n"
    assert record["dataset"]["name"] == "shapes" and len(record["dataset"]["content_sha256"]) == 64
    assert record["optimizer"]["optimizer"] == "SGD" and record["optimizer"]["lr0"] == 0.01
    assert set(record["census"]["total"]) == {"LeakyReLU"}
    assert record["torch_threads"] == len(os.sched_getaffinity(0))  # every core, not Ultralytics' cores - 1
    assert record["metrics"]["mAP50"] > 0.1  # it really learned
    with open(trained_run / "results.csv") as f:
        rows = list(csv.DictReader(f))
    losses = [float(v) for k, v in rows[-1].items() if "loss" in k]
    assert losses and all(math.isfinite(x) for x in losses)
    reloaded = YOLO(str(trained_run / "weights" / "best.pt"))
    assert reloaded.model.model[-1].nc == 3 and reloaded.names[0] == "rectangle"


def test_resumed_training_counts_each_earlier_invocation_once():
    from leakyolo.models.train import earlier_seconds

    # 1 epoch in 5 s; a resume stopped before its first epoch ends; a resume that reached epoch 3 in 7 s
    assert earlier_seconds([[1, 5.0], [1, 5.0], [3, 7.0]]) == 12.0 and earlier_seconds([]) == 0.0


@pytest.mark.slow
def test_interrupted_training_resumes(tmp_path, shapes_yaml, capsys):
    from leakyolo.models.train import train

    def stop_after_first_epoch(trainer):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train("leakyolo-n", str(shapes_yaml), epochs=2, imgsz=64, batch=8, workers=0, project=tmp_path, name="r",
              callbacks={"on_model_save": stop_after_first_epoch})
    last = tmp_path / "r" / "weights" / "last.pt"
    assert last.is_file()
    assert f"resume with: leakyolo train --resume {last}" in capsys.readouterr().err
    assert json.loads((tmp_path / "r" / "run.json").read_text())["status"] == "training"
    run = train("leakyolo-n", "unused", resume=tmp_path / "r")
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "done" and record["epochs"] == 2 and record["resumed"][0][0] == 1


def test_the_screen_profile_holds_every_candidate():
    from leakyolo.pipeline.profiles import CANDIDATES, PROFILES

    assert {n for n, s in REGISTRY.items() if s.candidate} <= set(CANDIDATES) <= set(REGISTRY)  # + the activation swap
    screen, converged = PROFILES["screen"], PROFILES["converged"]
    assert screen["models"][0] == "leakyolo-n" and screen["models"][-1] == "yolo26n"
    assert (screen["data"], screen["data_params"], screen["imgsz"]) == (converged["data"], converged["data_params"],
                                                                        converged["imgsz"])  # the same built data
    assert len(screen["seeds"]) >= 2 and screen["epochs"]["digits"] < converged["epochs"]["digits"]
