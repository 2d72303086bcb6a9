"""OpenVINO and NCNN files: exported from the tiny test model, gated, loaded by detect / bench / eval, giving the
boxes ONNX Runtime gives; a runtime that is not installed is one line naming the extra."""

import json
import subprocess
import sys

import numpy as np

import pytest

from leakyolo.cli import main
from leakyolo.detect.runtimes import open_model, runtime_of

from test_arm import needs_qemu
from test_detect import cli, val_images

pytest.importorskip("openvino", reason="the [openvino] extra is not installed")
pytest.importorskip("ncnn", reason="the [ncnn] extra is not installed")
IMGSZ = 96


@pytest.fixture(scope="module")
def runtime_files(trained_run, tmp_path_factory):
    """Raw-head FP32 + INT8 (this CPU's types) ONNX with their OpenVINO and NCNN files, gated against the FP32
    reference."""
    from leakyolo.export.exporter import export
    from leakyolo.export.quantize import host_int8_types

    out = tmp_path_factory.mktemp("runtimes")
    files = export(trained_run, imgsz=IMGSZ, raw=True, int8=True, calib_images=64, out=out,
                   formats=("onnx", "openvino", "ncnn"), types=host_int8_types())
    return {p.name: p for p in files}


def boxes(model, images, tmp_path) -> list:
    """detect --json on the images with model: per image, [(class, box)]."""
    out = tmp_path / f"{model.name}.jsonl"
    assert cli(["--source", str(images), "--model", str(model), "--json", str(out), "--threads", "1"])[0] == 0
    return [[(d["class_id"], d["box"]) for d in json.loads(line)["detections"]] for line in out.read_text().splitlines()]


def iou(a, b) -> float:
    w, h = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def matched(ref: list, got: list, min_iou: float) -> float:
    """Share of ref's detections that got has too (same class, IoU above min_iou)."""
    pairs = [any(c == k and iou(b, e) > min_iou for k, e in g) for r, g in zip(ref, got) for c, b in r]
    return sum(pairs) / max(len(pairs), 1)


def test_export_writes_each_runtime_with_gated_cards(runtime_files):
    names = set(runtime_files)
    assert {f"leakyolo-n-96-raw-{p}_{r}_model" for p in ("fp32", "int8") for r in ("openvino", "ncnn")} <= names
    for name in ("leakyolo-n-96-raw-int8_openvino_model", "leakyolo-n-96-raw-fp32_ncnn_model",
                 "leakyolo-n-96-raw-int8_ncnn_model"):
        card = json.loads(runtime_files[name].with_suffix(".json").read_text())
        assert card["gates"]["accuracy"]["drop_points"] <= card["gates"]["accuracy"]["max_drop_points"]
        assert card["runtime"] == runtime_of(runtime_files[name]) and card["conversion"]["from"].endswith(".onnx")
    ncnn_int8 = json.loads(runtime_files["leakyolo-n-96-raw-int8_ncnn_model"].with_suffix(".json").read_text())
    assert ncnn_int8["conversion"]["quantization"]["int8_layers"] > 50  # every convolution
    assert "of leakyolo-n-96-raw-fp32.onnx" in ncnn_int8["conversion"]["tool"]  # made from the FP32 file


def test_each_runtime_finds_the_boxes_onnx_runtime_finds(runtime_files, learn_yaml, tmp_path):
    images = val_images(learn_yaml)[0].parent
    found = {}
    for precision, folders in (("fp32", ("openvino", "ncnn")), ("int8", ("openvino",))):  # the same model file
        found[precision] = ref = boxes(runtime_files[f"leakyolo-n-96-raw-{precision}.onnx"], images, tmp_path)
        assert sum(map(len, ref)) > 5
        for runtime in folders:
            got = boxes(runtime_files[f"leakyolo-n-96-raw-{precision}_{runtime}_model"], images, tmp_path)
            assert matched(ref, got, 0.9) >= 0.95, (precision, runtime)
    # NCNN INT8 is its own quantization: as close to the FP32 boxes as ONNX Runtime's INT8 is
    ncnn_int8 = boxes(runtime_files["leakyolo-n-96-raw-int8_ncnn_model"], images, tmp_path)
    assert matched(found["fp32"], ncnn_int8, 0.75) >= matched(found["fp32"], found["int8"], 0.75) - 0.05
    xml = next(runtime_files["leakyolo-n-96-raw-fp32_openvino_model"].glob("*.xml"))
    assert open_model(xml).path == xml.parent  # a file inside names its folder


def test_bench_and_eval_take_runtime_folders(runtime_files, learn_yaml, tmp_path):
    folders = [runtime_files[f"leakyolo-n-96-raw-fp32{s}"] for s in (".onnx", "_openvino_model", "_ncnn_model")]
    assert main(["bench", *map(str, folders), "--runs", "3", "--warmup", "1", "--out", str(tmp_path / "b.json")]) == 0
    rows = json.loads((tmp_path / "b.json").read_text())["models"]
    assert [r["runtime"] for r in rows] == ["onnxruntime", "openvino", "ncnn"]
    assert all(r["results"]["1"]["model_only"]["p50"] > 0 for r in rows)
    assert main(["eval", *map(str, folders), "--data", str(learn_yaml), "--out", str(tmp_path / "e.json")]) == 0
    maps = [r["mAP50-95"] for r in json.loads((tmp_path / "e.json").read_text())["models"]]
    assert max(maps) - min(maps) < 0.01 and min(maps) > 0.05


def test_nms_free_head_has_no_ncnn_file_and_says_why(trained_run, tmp_path, capsys):
    from leakyolo.export.exporter import export

    files = export(trained_run, imgsz=64, out=tmp_path, skip_gates=True, formats=("onnx", "ncnn"))
    assert [f.name for f in files] == ["leakyolo-n-64-fp32.onnx"]
    assert "top-k selection does not convert to NCNN" in capsys.readouterr().err


def test_a_file_made_later_for_a_runtime_says_in_its_card_why_none_was_made(trained_run, tmp_path):
    from leakyolo.export.exporter import export
    from leakyolo.export.targets import convert

    onnx = export(trained_run, imgsz=64, out=tmp_path, skip_gates=True)[0]  # ONNX only: the card says nothing yet
    assert "runtimes_left_out" not in json.loads(onnx.with_suffix(".json").read_text())
    assert convert([onnx], ("ncnn",)) == []
    card = json.loads(onnx.with_suffix(".json").read_text())
    assert "top-k selection does not convert to NCNN" in card["runtimes_left_out"]["ncnn"]  # what the report shows
    card["runtimes_left_out"]["openvino"] = "an earlier failure"
    onnx.with_suffix(".json").write_text(json.dumps(card))
    assert [p.name for p in convert([onnx], ("openvino",))] == ["leakyolo-n-64-fp32_openvino_model"]
    card = json.loads(onnx.with_suffix(".json").read_text())
    assert set(card["runtimes_left_out"]) == {"ncnn"}  # made now: its old reason is gone, the other one stays


@pytest.mark.parametrize("runtime", ["openvino", "ncnn"])
def test_missing_runtime_is_one_line_naming_the_extra(runtime_files, runtime, tmp_path):
    folder = runtime_files[f"leakyolo-n-96-raw-fp32_{runtime}_model"]
    code = (f"import sys; sys.modules['{runtime}'] = None; from leakyolo.detect.cli import main; "
            f"sys.exit(main(['--source', '{folder}/metadata.yaml', '--model', '{folder}']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-1500:]
    assert done.stderr.strip().splitlines()[-1] == (f"error: {runtime} models need the {runtime} runtime: "
                                                    f"pip install 'leakyolo[{runtime}]'")


def test_ultralytics_own_files_are_baselines_with_cards(trained_run, learn_yaml, tmp_path):
    from leakyolo.export.exporter import export_baselines
    from leakyolo.export.options import ExportOptions

    pytest.importorskip("nncf", reason="the [openvino-export] extra is not installed")
    opts = ExportOptions(imgsz=64, raw=True, formats=("openvino", "ncnn"), calib_images=16, out=tmp_path)
    files = {p.name: p for p in export_baselines(trained_run, opts)}
    assert set(files) == {"leakyolo-n-64-raw-fp32-ultralytics_openvino_model",
                          "leakyolo-n-64-raw-int8-ultralytics_openvino_model",
                          "leakyolo-n-64-raw-fp32-ultralytics_ncnn_model"}
    for name, folder in files.items():
        card = json.loads(folder.with_suffix(".json").read_text())
        assert card["exporter"] == "ultralytics" and card["runtime"] == runtime_of(folder)
        assert 0 < card["accuracy"]["mAP50-95"] <= 1 and card["quantization"]["tool"].startswith("ultralytics export")
        assert not (folder / "metadata.yaml").read_text().startswith("{")  # Ultralytics' own YAML, read as is
        assert open_model(folder, threads=1).outputs[0].shape[1] == 4 + 3  # raw head: 4 box + 3 classes
    int8 = json.loads(files["leakyolo-n-64-raw-int8-ultralytics_openvino_model"].with_suffix(".json").read_text())
    assert int8["quantization"]["calibration"]["split"] == "train"  # never the val split it is judged on


def test_a_baseline_needing_a_missing_tool_is_left_out_and_named(monkeypatch, capsys):
    import importlib.util

    from leakyolo.export.baselines import targets

    find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nncf" else find(name, *a))
    assert targets(("onnx", "openvino", "ncnn")) == [("onnx", "int8"), ("openvino", "fp32"), ("ncnn", "fp32")]
    assert "it needs nncf (pip install 'leakyolo[openvino-export]')" in capsys.readouterr().err


@needs_qemu
def test_ncnn_runs_on_emulated_arm_with_fp16_on_the_a76(runtime_files, learn_yaml):
    from leakyolo.compare.arm import arm_check
    from leakyolo.pipeline.measure import first_val_image

    folders = [runtime_files[f"leakyolo-n-96-raw-{p}_ncnn_model"] for p in ("fp32", "int8")]
    found = arm_check(folders, ("cortex-a72", "cortex-a76"), image=first_val_image(learn_yaml))["models"]
    assert all(r["runtime"] == "ncnn" and r["head"] == "raw" and r["parity"]["ok"] for r in found)
    rows = {r["core"]: r for r in found if r["precision"] == "fp32"}
    int8 = {r["core"]: r for r in found if r["precision"] == "int8"}
    assert int8["cortex-a76"]["parity"]["compared"] > 0  # the detections of a real image
    assert int8["cortex-a76"]["instructions_per_inference"] < rows["cortex-a76"]["instructions_per_inference"]
    assert rows["cortex-a72"]["parity"]["max_abs_diff"] < 0.01  # fp32 arithmetic there: the x86 build's outputs
    assert rows["cortex-a76"]["parity"]["max_abs_diff"] > rows["cortex-a72"]["parity"]["max_abs_diff"]  # fp16
    assert rows["cortex-a76"]["instructions_per_inference"] < rows["cortex-a72"]["instructions_per_inference"]


def test_ncnn_int8_is_a_scale_term_on_every_convolution(runtime_files, tmp_path):
    import shutil

    from leakyolo.export.gates import GateError
    from leakyolo.export.ncnn_int8 import is_int8, read_layers

    fp32, int8 = (runtime_files[f"leakyolo-n-96-raw-{p}_ncnn_model"] for p in ("fp32", "int8"))
    assert is_int8(int8) and not is_int8(fp32)
    (_, before), (_, after) = read_layers(fp32), read_layers(int8)
    assert [layer.kind for layer in before] == [layer.kind for layer in after]  # the same graph, Leaky still fused
    convs = [(a, b) for a, b in zip(before, after) if a.kind == "Convolution"]
    assert all(b.params["8"] == "2" and b.params.get("9") == a.params.get("9") for a, b in convs)
    assert all(np.array_equal(a.weights, b.weights) for a, b in convs)  # ncnn quantizes the weights when it loads
    broken = tmp_path / "broken_ncnn_model"
    shutil.copytree(fp32, broken)
    with open(broken / "model.ncnn.bin", "ab") as f:
        f.write(b"\0" * 8)  # bytes no layer accounts for: a layer kind the reader does not know
    with pytest.raises(GateError, match="8 bytes of model.ncnn.bin belong to no layer"):
        read_layers(broken)
