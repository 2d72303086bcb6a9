"""Model files detect cannot run are one line naming the file and what is wrong (made here with onnx.helper);
sizes and thread counts are bounded; detections that are not boxes never reach an output."""

import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from leakyolo.base.errors import UserError
from leakyolo.detect import Detector
from leakyolo.detect.model_file import MAX_IMGSZ
from leakyolo.detect.session import MAX_THREADS


def tiny_model(path, inputs=(("images", TensorProto.FLOAT, [1, 3, 64, 64]),), meta=None):
    """A graph whose output is a constant [1, 2, 6] NMS-free result; its inputs and metadata as asked."""
    rows = np.array([[[4, 4, 20, 20, 0.9, 0], [np.nan, 1, 5, 5, 0.8, 0]]], np.float32)
    out = helper.make_node("Constant", [], ["output0"], value=helper.make_tensor("v", TensorProto.FLOAT, rows.shape,
                                                                                  rows.flatten()))
    graph = helper.make_graph([out], "g", [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                              [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(rows.shape))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in {"names": "{0: 'digit'}", "imgsz": "[64, 64]", **(meta or {})}.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("inputs, needle", [
    ((("a", TensorProto.FLOAT, [1, 3, 64, 64]), ("b", TensorProto.FLOAT, [1, 3, 64, 64])), "2 inputs (a, b)"),
    ((("images", TensorProto.FLOAT16, [1, 3, 64, 64]),), "input is tensor(float16), not float32"),
    ((("images", TensorProto.FLOAT, [4, 3, 64, 64]),), "input batch 4"),
    ((("images", TensorProto.FLOAT, [1, 64, 64]),), "not an image detector"),
])
def test_inputs_detect_cannot_feed(tmp_path, inputs, needle):
    with pytest.raises(UserError, match=rf"m.onnx: .*{re.escape(needle)}"):
        Detector(tiny_model(tmp_path / "m.onnx", inputs))


@pytest.mark.parametrize("meta, needle", [
    ({"imgsz": "''"}, "metadata imgsz '' is not a size"), ({"imgsz": "abc"}, "metadata imgsz 'abc'"),
    ({"imgsz": "0"}, "metadata imgsz 0"), ({"imgsz": "-5"}, "metadata imgsz -5"),
    ({"imgsz": "[64, 64, 64]"}, "is not a size"), ({"names": "{'a': 'x'}"}, "keys that are not class ids"),
    ({"names": "[]"}, "missing 'names' metadata"),
])
def test_metadata_that_does_not_parse(tmp_path, meta, needle):
    with pytest.raises(UserError, match=needle):
        Detector(tiny_model(tmp_path / "m.onnx", meta=meta))


def test_one_size_in_a_list_and_the_bounds(tmp_path, capsys):
    dynamic = (("images", TensorProto.FLOAT, ["batch", 3, "h", "w"]),)
    assert Detector(tiny_model(tmp_path / "m.onnx", dynamic, {"imgsz": "[64]"})).imgsz == (64, 64)
    with pytest.raises(UserError, match=f"--imgsz 60000: must be 1-{MAX_IMGSZ} px"):
        Detector(tmp_path / "m.onnx", imgsz=60000)
    with pytest.raises(UserError, match=f"^--threads 100000: at most {MAX_THREADS}"):
        Detector(tmp_path / "m.onnx", threads=100000)
    Detector(tmp_path / "m.onnx", threads=64)
    assert "--threads 64 exceeds the" in capsys.readouterr().err


def test_invalid_detections_are_dropped_and_counted(tmp_path):
    detector = Detector(tiny_model(tmp_path / "m.onnx"), conf=0.25)
    found = detector(np.zeros((64, 64, 3), np.uint8))
    assert [d.box for d in found] == [(4.0, 4.0, 20.0, 20.0)] and detector.dropped == 1  # the NaN row
