"""Export: both gates, metadata through INT8, Ultralytics on the INT8 file, broken inputs."""

import json
import os

import onnx
import pytest
import torch

from leakyolo.base.errors import UserError
from leakyolo.export.exporter import export
from leakyolo.export.gates import GateError, accuracy_gate
from leakyolo.export.quantize import head_decode_nodes, int8_types_for

IMGSZ = 96


def card(path):
    return json.loads(path.with_suffix(".json").read_text())


def test_fp32_and_int8_pass_gates_with_cards(exported, trained_run):
    fp32, int8 = card(exported["fp32"]), card(exported["int8"])
    parity = fp32["gates"]["parity"]
    assert parity["max_box_diff_px"] <= parity["box_tol_px"] and parity["max_score_diff"] <= parity["score_tol"]
    assert fp32["accuracy"]["mAP50"] > 0.1
    assert int8["gates"]["accuracy"]["drop_points"] <= 1.5
    assert int8["quantization"]["activations"] == "QUInt8" and int8["quantization"]["per_channel"]
    assert int8["calibration"]["name"] == "shapes" and len(int8["calibration"]["content_sha256"]) == 64
    for c in (fp32, int8):
        assert c["output"]["shape"] == [1, 189, 6] and c["opset"] >= 17  # max_det = 12²+6²+3² anchors at 96 px
        assert c["source"]["weights_sha256"] and c["source"]["run"]["model"] == "leakyolo-n"
        assert set(c["census"]["smooth_ops"]) == {"Sigmoid"}  # the head's score sigmoid only
        assert c["versions"]["onnxruntime"]
    assert exported["int8"].stat().st_size < exported["fp32"].stat().st_size / 2.5


def test_metadata_survives_int8(exported):
    meta = [{p.key: p.value for p in onnx.load(str(exported[k])).metadata_props} for k in ("fp32", "int8")]
    for key in ("names", "imgsz", "stride", "end2end", "task"):
        assert meta[0][key] == meta[1][key], key


def test_ultralytics_validates_int8(exported, learn_yaml):
    from ultralytics import YOLO

    metrics = YOLO(str(exported["int8"]), task="detect").val(data=str(learn_yaml), imgsz=IMGSZ, batch=1,
                                                              plots=False, verbose=False)
    assert metrics.box.map50 > 0.1


def test_head_decode_nodes_are_the_decode_only(exported):
    names = head_decode_nodes(onnx.load(str(exported["fp32"])))
    assert names and all("/cv" not in n and "one2one_cv" not in n for n in names)
    assert any("TopK" in n for n in names) and any("Sigmoid" in n for n in names)


def test_u8s7_weights_use_7_bits(exported, learn_yaml, tmp_path):
    """u8s7 (for x86 without VNNI, whose u8 x s8 kernels saturate 16-bit pair sums) keeps weights in [-64, 64]:
    two products then sum to at most 2 x 255 x 64 = 32640, inside int16."""
    from onnx import numpy_helper

    from leakyolo.export.calibration import LetterboxDataReader, sample_images
    from leakyolo.export.quantize import quantize

    def weight_range(types):
        dest = tmp_path / f"{types}.onnx"
        settings = quantize(exported["fp32"], dest, lambda name: LetterboxDataReader(
            sample_images(learn_yaml, 8, 0), name, (IMGSZ, IMGSZ)), types=types)
        graph = onnx.load(str(dest)).graph
        inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        weights = [inits[n.input[0]] for n in graph.node if n.op_type == "DequantizeLinear"
                   and n.input[0] in inits and inits[n.input[0]].dtype.name == "int8" and inits[n.input[0]].ndim == 4]
        return settings, min(int(w.min()) for w in weights), max(int(w.max()) for w in weights)

    settings, low, high = weight_range("u8s7")
    assert settings["types"] == "u8s7" and settings["weights"] == "QInt8 (7-bit)" and -64 <= low and high <= 64
    _, low, high = weight_range("u8s8")
    assert low < -64 or high > 64  # full-range per-channel weights reach +-127


def test_int8_types_follow_the_cpu():
    avx2 = {"fpu", "sse4_2", "avx", "avx2", "fma"}
    assert int8_types_for("x86_64", avx2) == "u8s7"  # u8 x s8 pair sums saturate without VNNI
    assert int8_types_for("x86_64", avx2 | {"avx512f", "avx512_vnni"}) == "u8s8"
    assert int8_types_for("x86_64", avx2 | {"avx_vnni"}) == "u8s8"
    assert int8_types_for("aarch64", {"fp", "asimd", "asimddp"}) == "u8s8"
    assert int8_types_for("x86_64", set()) == "u8s8"  # unknown: the portable default


def test_broken_quantization_is_caught_and_nothing_written(trained_run, tmp_path):
    with pytest.raises(GateError, match="INT8 accuracy gate failed"):  # head decode through one int8 scale
        export(trained_run, imgsz=IMGSZ, int8=True, calib_images=32, out=tmp_path, exclude_head=False,
               calib_method="minmax")
    assert list(tmp_path.iterdir()) == []


def test_accuracy_gate_arithmetic():
    assert accuracy_gate({"mAP50-95": 0.40}, {"mAP50-95": 0.39}, 1.5, "m")["drop_points"] == pytest.approx(1.0)
    with pytest.raises(GateError):
        accuracy_gate({"mAP50-95": 0.40}, {"mAP50-95": 0.38}, 1.5, "m")


def test_bad_inputs(trained_run, tmp_path, learn_yaml):
    with pytest.raises(UserError, match="not found"):
        export(tmp_path / "nope.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="not a loadable checkpoint"):
        export(bad, calib_data=str(learn_yaml))
    with pytest.raises(UserError, match="not a multiple of the model stride 32"):
        export(trained_run, imgsz=100)
    from ultralytics import YOLO

    cls = YOLO("yolo26n-cls.yaml")
    torch.save({"model": cls.model, "train_args": {"task": "classify"}}, tmp_path / "cls.pt")
    with pytest.raises(UserError, match="classify checkpoint"):
        export(tmp_path / "cls.pt", calib_data=str(learn_yaml))
    empty = tmp_path / "empty"
    (empty / "images" / "train").mkdir(parents=True)
    (empty / "images" / "val").mkdir(parents=True)
    (empty / "data.yaml").write_text(f"path: {empty}\ntrain: images/train\nval: images/val\nnc: 3\n")
    with pytest.raises(UserError, match="train split has no images"):
        export(trained_run, imgsz=IMGSZ, int8=True, calib_data=str(empty / "data.yaml"), out=tmp_path / "o")
    assert not list((tmp_path / "o").glob("*.onnx"))


def test_cli_export_exit_codes(tmp_path, capsys):
    from leakyolo.cli import main

    assert main(["export", str(tmp_path / "missing")]) == 2
    assert "not found" in capsys.readouterr().err


class Payload:
    """What a malicious checkpoint carries: unpickling it runs a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_checkpoint_that_runs_code_is_refused_before_loading(tmp_path, learn_yaml):
    evil = tmp_path / "evil.pt"
    torch.save({"model": Payload(tmp_path / "ran"), "train_args": {"task": "detect"}}, evil)
    with pytest.raises(UserError, match=r"evil.pt: refused before loading: its pickle calls posix.system"):
        export(evil, calib_data=str(learn_yaml))
    assert not (tmp_path / "ran").exists()  # the payload never ran
