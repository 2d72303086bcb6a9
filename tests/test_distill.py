"""Distillation from a teacher (Ultralytics' feature distillation) and SiLU -> Leaky ReLU conversion:
tiny trainings that export, cards that name the teacher / source, and refusals before any training."""

import json

import onnx
import pytest
import torch

from leakyolo.cli import main

SMALL = ["--epochs", "1", "--imgsz", "64", "--batch", "8", "--workers", "0"]


def one_line(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.slow
def test_distilled_training_exports_and_names_its_teacher(trained_run, shapes_yaml, tmp_path):
    from leakyolo.export import export

    assert main(["train", "--model", "leakyolo-n", "--data", str(shapes_yaml), *SMALL, "--project", str(tmp_path),
                 "--name", "kd", "--teacher", str(trained_run), "--dis", "1.5", "mosaic=0.0"]) == 0
    run = tmp_path / "kd"
    teacher = json.loads((run / "run.json").read_text())["teacher"]
    assert teacher["path"] == str((trained_run / "weights" / "best.pt").resolve()) and teacher["dis"] == 1.5
    assert teacher["model"] == "leakyolo-n" and teacher["mAP50-95"] is not None and len(teacher["sha256"]) == 64
    last = torch.load(run / "weights" / "last.pt", weights_only=False)
    assert last["train_args"]["distill_model"] == teacher["path"]  # what --resume rebuilds the teacher from
    (fp32,) = export(run, out=tmp_path / "onnx", skip_gates=True)
    card = json.loads(fp32.with_suffix(".json").read_text())
    assert card["source"]["lineage"].startswith("distilled from leakyolo-n (sha256 ")
    meta = {p.key: p.value for p in onnx.load(str(fp32)).metadata_props}
    assert meta["lineage"] == card["source"]["lineage"]


def test_teachers_that_cannot_teach_are_refused_before_training(trained_run, shapes_yaml, tmp_path, capsys):
    from ultralytics import YOLO
    from ultralytics.nn.tasks import DetectionModel

    base = ["train", "--model", "leakyolo-n", "--data", str(shapes_yaml), *SMALL, "--project", str(tmp_path)]
    assert main([*base, "--teacher", str(tmp_path / "none.pt")]) == 2
    one_line(capsys, "none.pt not found")
    (tmp_path / "corrupt.pt").write_bytes(b"not a checkpoint")
    assert main([*base, "--teacher", str(tmp_path / "corrupt.pt")]) == 2
    one_line(capsys, "not a loadable checkpoint")
    torch.save({"model": YOLO("yolo26n-cls.yaml").model, "train_args": {"task": "classify"}}, tmp_path / "cls.pt")
    assert main([*base, "--teacher", str(tmp_path / "cls.pt")]) == 2
    one_line(capsys, "is a classify checkpoint")
    p2 = DetectionModel("yolov8n-p2.yaml", nc=3, verbose=False)
    p2.names = {0: "rectangle", 1: "circle", 2: "triangle"}
    torch.save({"model": p2, "train_args": {"task": "detect"}}, tmp_path / "p2.pt")
    assert main([*base, "--teacher", str(tmp_path / "p2.pt")]) == 2
    one_line(capsys, "has 4 head levels, the student 3")
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(shapes_yaml.read_text().replace("rectangle", "box"))
    assert main(["train", "--model", "leakyolo-n", "--data", str(renamed), *SMALL, "--project", str(tmp_path),
                 "--teacher", str(trained_run)]) == 2
    one_line(capsys, "teacher", "classes")
    assert not list(tmp_path.glob("leakyolo-n-*")), "no training may start"


@pytest.mark.slow
def test_convert_swaps_activations_keeps_weights_and_fine_tunes(pipeline_out, shapes_yaml, tmp_path, capsys):
    from leakyolo.export import export
    from leakyolo.models.census import census
    from leakyolo.models.teacher import to_leaky

    source = pipeline_out / "train" / "shapes-yolo26n-s0" / "weights" / "best.pt"
    facts = to_leaky(source, tmp_path / "swapped.pt", 0.1)
    assert facts["sha256"] and "was SiLU" in facts["activation"]
    from ultralytics import YOLO

    swapped, original = YOLO(str(tmp_path / "swapped.pt")), YOLO(str(source))
    assert "SiLU" not in census(swapped.model)["total"] and census(swapped.model)["total"].get("LeakyReLU")
    for (name, a), b in zip(swapped.model.state_dict().items(), original.model.state_dict().values()):
        assert torch.equal(a.float(), b.float()), name  # every weight kept

    assert main(["convert", str(source.parent.parent), "--data", str(shapes_yaml), *SMALL, "--project",
                 str(tmp_path), "--name", "conv"]) == 0
    record = json.loads((tmp_path / "conv" / "run.json").read_text())
    assert record["converted_from"]["sha256"] == facts["sha256"] and record["teacher"]["sha256"] == facts["sha256"]
    assert record["model"] == "yolo26n-converted" and record["optimizer"]["lr0"] == 0.001  # the fine-tune schedule
    assert record["settings"]["warmup_epochs"] == 0
    (fp32,) = export(tmp_path / "conv", out=tmp_path / "onnx", skip_gates=True)
    assert fp32.name == "yolo26n-converted-64-fp32.onnx"
    lineage = json.loads(fp32.with_suffix(".json").read_text())["source"]["lineage"]
    assert lineage.startswith(f"converted to Leaky ReLU from yolo26n (sha256 {facts['sha256'][:12]})")
    assert not list(tmp_path.glob(".*swapped.pt"))
    cls = tmp_path / "cls.pt"
    torch.save({"model": YOLO("yolo26n-cls.yaml").model, "train_args": {"task": "classify"}}, cls)
    capsys.readouterr()
    assert main(["convert", str(cls), "--data", str(shapes_yaml), *SMALL]) == 2
    one_line(capsys, "is a classify checkpoint")
