"""The edge runtime and the `detect` CLI: sources, formats, parity with Ultralytics, faults, soak."""

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import onnx
import pytest

from leakyolo.detect import Detector
from leakyolo.detect import cli as detect_cli
from leakyolo.detect.sources import CaptureSource, open_source
from leakyolo.base.errors import UserError


class FakeCapture:
    """Stands in for cv2.VideoCapture of a camera or stream (no camera here)."""

    def __init__(self, frames=5, opened=True, fail_reads=0, interrupt_at=None, size=96):
        self.frames, self.opened, self.fail_reads, self.interrupt_at = frames, opened, fail_reads, interrupt_at
        self.served, self.size = 0, size
        self.rng = np.random.default_rng(0)

    def isOpened(self):
        return self.opened

    def read(self):
        if self.interrupt_at is not None and self.served == self.interrupt_at:
            raise KeyboardInterrupt
        if self.served >= self.frames:
            return False, None
        self.served += 1
        return True, self.rng.integers(0, 255, (self.size, self.size, 3), dtype=np.uint8)

    def get(self, prop):
        return 25.0 if prop == cv2.CAP_PROP_FPS else 0.0

    def release(self):
        pass


def val_images(learn_yaml):
    return sorted((learn_yaml.parent / "images" / "val").glob("*.jpg"))


def cli(argv, capture=None, camera=None):
    """Run the detect CLI in-process; returns (exit code, frames)."""
    args = detect_cli.build_parser().parse_args(argv)
    try:
        return 0, detect_cli.run(args, capture_factory=capture, camera_class=camera)
    except UserError as e:
        return 2, str(e)


def test_detector_matches_ultralytics_predict(exported, learn_yaml):
    from ultralytics import YOLO

    for kind in ("fp32", "int8", "raw"):
        ours = Detector(exported[kind], conf=0.25, iou=0.45)
        theirs = YOLO(str(exported[kind]), task="detect")
        compared = 0
        for path in val_images(learn_yaml)[:8]:
            frame = cv2.imread(str(path))
            mine = sorted(ours(frame), key=lambda d: -d.score)
            ref = theirs.predict(frame, imgsz=96, conf=0.25, iou=0.45, verbose=False)[0].boxes
            order = np.argsort(-ref.conf.numpy())
            assert len(mine) == len(order), (kind, path.name)
            for d, i in zip(mine, order):
                assert d.class_id == int(ref.cls[i])
                assert np.abs(np.array(d.box) - ref.xyxy[i].numpy()).max() < 1.0  # pixels
                assert abs(d.score - float(ref.conf[i])) < 1e-3
                compared += 1
        assert compared > 0, kind


def test_both_output_formats_find_the_same_objects(exported, learn_yaml):
    """end2end uses the one-to-one head, raw + NMS the one-to-many head: confident finds agree."""
    e2e, raw = Detector(exported["fp32"], conf=0.3), Detector(exported["raw"], conf=0.2)
    matched = total = 0
    for path in val_images(learn_yaml)[:16]:
        frame = cv2.imread(str(path))
        a, b = e2e(frame), raw(frame)
        for d in a:
            total += 1
            ious = [iou(d.box, o.box) for o in b if o.class_id == d.class_id]
            matched += bool(ious) and max(ious) > 0.5
    assert total > 0 and matched / total >= 0.7


def iou(a, b):
    iw = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-9)


def test_boxes_map_back_to_source_pixels(exported, learn_yaml):
    """A 2x upscaled frame gives the same detections with boxes scaled by 2."""
    det = Detector(exported["fp32"], conf=0.2)
    frame = next(f for f in map(cv2.imread, map(str, val_images(learn_yaml))) if det(f))
    small = sorted(det(frame), key=lambda d: d.box)
    large = sorted(det(cv2.resize(frame, (192, 192), interpolation=cv2.INTER_NEAREST)), key=lambda d: d.box)
    assert len(small) == len(large)
    for s, l in zip(small, large):
        assert np.abs(np.array(s.box) * 2 - np.array(l.box)).max() < 4


def test_letterbox_and_scale_back_invert_each_other():
    from leakyolo.detect.postprocess import scale_back
    from leakyolo.detect.preprocess import letterbox

    image = np.zeros((120, 300, 3), np.uint8)
    padded, gain, pad = letterbox(image, (96, 96))
    assert padded.shape == (96, 96, 3) and pad[0] == 0 and pad[1] == round((96 - 38) / 2 - 0.1)
    source = np.array([[10.0, 20.0, 250.0, 110.0]])
    model_px = source * np.array([gain[0], gain[1], gain[0], gain[1]]) + np.array([pad[0], pad[1], pad[0], pad[1]])
    assert np.allclose(scale_back(model_px, gain, pad, image.shape[:2]), source)


def test_sources_images_folder_glob_video(exported, learn_yaml, tmp_path):
    images = val_images(learn_yaml)
    folder = images[0].parent
    assert cli(["--source", str(images[0]), "--model", str(exported["int8"])]) == (0, 1)
    assert cli(["--source", str(folder), "--model", str(exported["int8"])]) == (0, len(images))
    assert cli(["--source", str(folder / "val_0000*.jpg"), "--model", str(exported["int8"])]) == (0, 10)
    video = tmp_path / "in.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 12, (96, 96))
    for p in images[:20]:
        writer.write(cv2.imread(str(p)))
    writer.release()
    out = tmp_path / "out.mp4"
    assert cli(["--source", str(video), "--model", str(exported["int8"]), "--save", str(out)]) == (0, 20)
    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 20 and cap.get(cv2.CAP_PROP_FPS) == pytest.approx(12)
    assert (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (96, 96)
    saved = tmp_path / "annotated"
    assert cli(["--source", str(folder), "--model", str(exported["int8"]), "--save", str(saved), "--max-frames", "3"]) \
        == (0, 3)
    assert len(list(saved.glob("*.jpg"))) == 3


def test_camera_and_stream_sources_via_injected_capture(exported):
    model = str(exported["int8"])
    for source in ("camera", "camera:1", "2", "rtsp://127.0.0.1:8554/cam", "http://127.0.0.1/stream.mjpg"):
        assert cli(["--source", source, "--model", model, "--reconnects", "0"], lambda t: FakeCapture(4)) == (0, 4)
        assert cli(["--source", source, "--model", model, "--max-frames", "3"], lambda t: FakeCapture(4)) == (0, 3)
    src = open_source("camera:3", lambda t: FakeCapture(1))
    assert src.kind == "camera" and src.target == 3 and src.fps == 25


class FakePicamera2:
    """Stands in for picamera2.Picamera2 (a CSI camera on a Pi): one camera, index 0."""

    def __init__(self, index):
        if index != 0:
            raise IndexError("list index out of range")
        self.started, self.main = False, None

    def create_video_configuration(self, main):
        self.main = main
        return {"main": main}

    def configure(self, config):
        assert config["main"]["format"] == "RGB888"  # [B, G, R] in memory, as OpenCV expects

    def start(self):
        self.started = True

    def capture_array(self, stream="main"):
        assert self.started
        w, h = self.main["size"]
        return np.full((h, w, 3), 90, dtype=np.uint8)

    def stop(self):
        self.started = False

    def close(self):
        pass


def test_picam_source(exported, monkeypatch):
    model = str(exported["int8"])
    assert cli(["--source", "picam", "--model", model, "--max-frames", "3"], camera=FakePicamera2) == (0, 3)
    code, message = cli(["--source", "picam:1", "--model", model], camera=FakePicamera2)
    assert code == 2 and "no Raspberry Pi camera at picam:1" in message
    monkeypatch.setitem(sys.modules, "picamera2", None)  # not installed (as on any non-Pi machine)
    code, message = cli(["--source", "picam", "--model", model])
    assert code == 2 and "needs picamera2" in message and "python3-picamera2" in message


def test_device_maps_to_providers_that_exist(exported):
    import onnxruntime as ort

    model = str(exported["int8"])
    defaults = detect_cli.build_parser().parse_args(["--source", "camera"])
    assert (defaults.iou, defaults.conf, defaults.device) == (0.7, 0.25, "cpu")  # Ultralytics' predict defaults
    assert cli(["--source", "camera", "--model", model, "--device", "cpu", "--reconnects", "0"],
               lambda t: FakeCapture(2)) == (0, 2)
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        code, message = cli(["--source", "camera", "--model", model, "--device", "cuda"])
        assert code == 2 and "has no CUDAExecutionProvider" in message and "onnxruntime-gpu" in message


def test_no_camera_and_unsupported_url(exported):
    code, message = cli(["--source", "camera:7", "--model", str(exported["int8"])], lambda t: FakeCapture(opened=False))
    assert code == 2 and "no camera at index 7" in message
    code, message = cli(["--source", "ftp://host/x", "--model", str(exported["int8"])])
    assert code == 2 and "unsupported URL scheme 'ftp'" in message


def test_stream_drop_reconnects_then_ends(capsys):
    opened = []

    def factory(target):
        opened.append(target)
        return FakeCapture(frames=2 if len(opened) == 1 else 0)

    src = CaptureSource("rtsp://127.0.0.1/x", "stream", factory, reconnects=3, backoff_s=0.001)
    assert len(list(src)) == 2
    assert len(opened) == 4  # first open + 3 reopen attempts
    assert "did not come back after 3 reconnects" in capsys.readouterr().err


def test_corrupt_frame_is_counted_and_skipped(exported, learn_yaml, tmp_path, capsys):
    for p in val_images(learn_yaml)[:3]:
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    assert cli(["--source", str(tmp_path), "--model", str(exported["int8"])]) == (0, 3)
    assert "skipped 1" in capsys.readouterr().err


def test_wrong_model_and_missing_metadata(exported, tmp_path):
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 10])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "relu.onnx"))
    code, message = cli(["--source", "camera", "--model", str(tmp_path / "relu.onnx")])
    assert code == 2 and "not an image detector" in message
    stripped = onnx.load(str(exported["fp32"]))
    del stripped.metadata_props[:]
    onnx.save(stripped, str(tmp_path / "nometa.onnx"))
    code, message = cli(["--source", "camera", "--model", str(tmp_path / "nometa.onnx")])
    assert code == 2 and "missing 'names' metadata" in message
    code, message = cli(["--source", "camera", "--model", str(tmp_path / "nope.onnx")])
    assert code == 2 and "not found" in message


def test_ctrl_c_finalises_saved_video(exported, tmp_path):
    out = tmp_path / "live.mp4"
    with pytest.raises(KeyboardInterrupt):  # finalised, then passed on: the command exits 130
        cli(["--source", "camera", "--model", str(exported["int8"]), "--save", str(out), "--reconnects", "0"],
            lambda t: FakeCapture(frames=100, interrupt_at=7))
    cap = cv2.VideoCapture(str(out))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 7
    assert not list(tmp_path.glob(".*partial*"))


def test_json_lines_schema(exported, learn_yaml, tmp_path):
    out = tmp_path / "dets.jsonl"
    assert cli(["--source", str(val_images(learn_yaml)[0].parent), "--model", str(exported["int8"]), "--json", str(out),
                "--max-frames", "5"]) == (0, 5)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["frame"] for r in records] == [0, 1, 2, 3, 4]
    assert any(r["detections"] for r in records)
    for r in records:
        assert set(r) == {"frame", "source", "time", "detections", "latency_ms"}
        assert set(r["latency_ms"]) == {"preprocess_ms", "model_ms", "postprocess_ms", "total_ms"}
        for d in r["detections"]:
            assert set(d) == {"box", "score", "class_id", "name"} and len(d["box"]) == 4
            assert d["name"] in ("rectangle", "circle", "triangle") and 0 <= d["score"] <= 1


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_soak_memory_stays_flat(exported, tmp_path):
    """A few thousand frames: RSS after warm-up and at the end differ by a small bound."""
    args = detect_cli.build_parser().parse_args(["--source", "camera", "--model", str(exported["int8"]),
                                                 "--json", str(tmp_path / "soak.jsonl"), "--threads", "1",
                                                 "--reconnects", "0"])
    assert detect_cli.run(args, capture_factory=lambda t: FakeCapture(frames=300)) == 300
    before = rss_mb()
    assert detect_cli.run(args, capture_factory=lambda t: FakeCapture(frames=3000)) == 3000
    assert rss_mb() - before < 15


def test_cli_entry_point_exit_codes(tmp_path):
    done = subprocess.run([sys.executable, "-m", "leakyolo.detect.cli", "--source", "camera", "--model",
                           str(tmp_path / "none.onnx")], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("error: model") and "Traceback" not in done.stderr
