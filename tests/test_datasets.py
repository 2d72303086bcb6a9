"""Dataset builders, tiling, determinism, validation and checksum failures."""

import json
import shutil

import numpy as np
import pytest

from leakyolo.datasets import build, resolve_data
from leakyolo.export.calibration import sample_images as calibration_images
from leakyolo.datasets import digits, trees, wheels
from leakyolo.datasets.validate import validate_yaml
from leakyolo.base.errors import UserError


def test_tile_origins_cover_and_end_flush():
    assert trees.tile_origins(700, 320, 0.25) == [0, 240, 380]
    assert trees.tile_origins(640, 320, 0.25) == [0, 240, 320]
    assert trees.tile_origins(200, 320, 0.25) == [0]


def test_clip_boxes_hand_checked():
    boxes = np.array([
        [10, 10, 50, 50],     # fully inside
        [300, 100, 340, 140],  # half inside (x 300..320 of 300..340): kept at 0.5, clipped
        [310, 100, 350, 140],  # a quarter inside: dropped
        [400, 400, 420, 420],  # outside
    ], dtype=float)
    kept = trees.clip_boxes(boxes, 0, 0, 320, 320, min_visible=0.5)
    assert kept.tolist() == [[10, 10, 50, 50], [300, 100, 320, 140]]
    shifted = trees.clip_boxes(boxes, 240, 0, 320, 320, min_visible=0.5)
    assert shifted.tolist() == [[60, 100, 100, 140], [70, 100, 110, 140]]


def test_tiles_of_an_image():
    image = np.zeros((400, 700, 3), np.uint8)
    boxes = np.array([[230, 10, 290, 70]], dtype=float)  # in tiles x0=0 and x0=240 (half: 50/60 and 50/60)
    got = [(x0, y0, crop.shape[:2], b.tolist()) for x0, y0, crop, b in trees.tiles(image, boxes, 320, 0.25, 0.5)]
    assert [(x0, y0) for x0, y0, *_ in got] == [(0, 0), (240, 0), (380, 0), (0, 80), (240, 80), (380, 80)]
    assert got[0][2] == (320, 320)
    assert got[0][3] == [[230, 10, 290, 70]]
    assert got[1][3] == [[0, 10, 50, 70]]
    assert got[2][3] == []
    assert got[3][3] == []  # y 10..70 shifted by 80 -> fully above the tile


def test_trees_real_split_is_by_source_image(tmp_path):
    data = build("trees", out=tmp_path / "trees", imgsz=320)
    meta = json.loads((data.parent / "dataset.json").read_text())
    stems = {split: {p.stem.rsplit("_", 2)[0] for p in (data.parent / "images" / split).glob("*.jpg")}
             for split in ("train", "val")}
    assert stems["train"] == set(trees.SPLIT["train"]) and stems["val"] == set(trees.SPLIT["val"])
    assert not stems["train"] & stems["val"]
    assert meta["counts"]["train"]["instances"] > 1000 and meta["counts"]["val"]["images"] > 10
    assert meta["recipe"]["inputs"]["wheel"] == "deepforest==2.1.0"
    assert set(validate_yaml(data)["names"]) == {"tree"}


def test_digit_pools_disjoint():
    pools = digits.digit_pools(5000, 0.2, np.random.default_rng(0))
    assert len(pools["val"]) == 1000 and len(pools["train"]) == 4000
    assert not set(pools["train"]) & set(pools["val"])


def test_digits_deterministic_and_seed_sensitive(tmp_path):
    a = build("digits", out=tmp_path / "a", n_images=12, imgsz=96)
    b = build("digits", out=tmp_path / "b", n_images=12, imgsz=96)
    c = build("digits", out=tmp_path / "c", n_images=12, imgsz=96, seed=1)
    meta = [json.loads((p.parent / "dataset.json").read_text()) for p in (a, b, c)]
    assert meta[0]["files"] == meta[1]["files"]  # same seed -> same bytes
    assert meta[0]["content_sha256"] != meta[2]["content_sha256"]
    assert meta[0]["counts"]["val"]["images"] > 0 and meta[0]["counts"]["train"]["instances"] > 0
    assert "COMPOSED" in meta[0]["description"]


def test_shapes_deterministic(tmp_path):
    a = build("shapes", out=tmp_path / "a", imgsz=64, n_images=16)
    b = build("shapes", out=tmp_path / "b", imgsz=64, n_images=16)
    files = [json.loads((p.parent / "dataset.json").read_text())["files"] for p in (a, b)]
    assert files[0] == files[1]


def test_build_is_idempotent_and_rebuilds_tampered(tmp_path, capsys):
    out = tmp_path / "s"
    build("shapes", out=out, imgsz=64, n_images=16)
    build("shapes", out=out, imgsz=64, n_images=16)
    assert "reusing" in capsys.readouterr().err
    label = next((out / "labels" / "train").glob("*.txt"))
    original = label.read_text()
    label.write_text("0 0.5 0.5 0.1 0.1\n")
    build("shapes", out=out, imgsz=64, n_images=16)
    assert "building" in capsys.readouterr().err and label.read_text() == original


def test_interrupted_build_leaves_nothing(tmp_path, monkeypatch):
    from leakyolo.datasets import shapes

    def broken(writer, **kwargs):
        writer.add("train", "x", np.zeros((8, 8, 3), np.uint8), [])
        raise KeyboardInterrupt

    monkeypatch.setattr(shapes, "build", broken)
    with pytest.raises(KeyboardInterrupt):
        build("shapes", out=tmp_path / "s", imgsz=64, n_images=16)
    assert list(tmp_path.iterdir()) == []


def make_user_dataset(root, label_text="0 0.5 0.5 0.2 0.2\n", nc=2):
    import cv2

    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        cv2.imwrite(str(root / "images" / split / "a.jpg"), np.full((32, 32, 3), 99, np.uint8))
        (root / "labels" / split / "a.txt").write_text(label_text)
    (root / "data.yaml").write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnc: {nc}\n")
    return root / "data.yaml"


@pytest.mark.parametrize("line, message", [
    ("5 0.5 0.5 0.2 0.2", "class id 5 out of range"),
    ("0 1.5 0.5 0.2 0.2", "not normalised"),
    ("0 0.5 0.5 0.2", "expected 'class cx cy w h'"),
    ("zero 0.5 0.5 0.2 0.2", "non-numeric"),
    ("nan 0.5 0.5 0.2 0.2", "NaN or infinite"),
    ("0 0.5 inf 0.2 0.2", "NaN or infinite"),
])
def test_label_validator_names_file_and_line(tmp_path, line, message):
    data = make_user_dataset(tmp_path, f"0 0.5 0.5 0.1 0.1\n{line}\n")
    with pytest.raises(UserError) as e:
        validate_yaml(data)
    assert message in str(e.value) and "a.txt:2:" in str(e.value)


@pytest.mark.parametrize("names", ["{0: a, '1': b}", "{1: a, 2: b}", "{0: a, 2: b}", "{a: 0, b: 1}"])
def test_names_mapping_must_be_integer_class_ids(tmp_path, names):
    data = make_user_dataset(tmp_path)
    data.write_text(data.read_text().replace("nc: 2", f"names: {names}"))
    with pytest.raises(UserError, match=r"'names' keys must be the class ids 0\.\.1 as integers"):
        validate_yaml(data)
    data.write_text(data.read_text().replace(f"names: {names}", "names: {1: b, 0: a}"))
    assert validate_yaml(data)["names"] == ["a", "b"]


def test_corrupt_image_is_reported(tmp_path):
    data = make_user_dataset(tmp_path)
    (tmp_path / "images" / "val" / "a.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(UserError, match=r"a\.jpg: image cannot be read"):
        validate_yaml(data)


def test_missing_folder_empty_split_and_unknown_name(tmp_path):
    data = make_user_dataset(tmp_path)
    shutil.rmtree(tmp_path / "images" / "val")
    with pytest.raises(UserError, match="val path .* does not exist"):
        resolve_data(str(data))
    (tmp_path / "images" / "val").mkdir()
    with pytest.raises(UserError, match="val split has no images"):
        resolve_data(str(data))
    with pytest.raises(UserError, match="unknown dataset|not found"):
        resolve_data("no-such-set")
    assert resolve_data("coco8.yaml") == "coco8.yaml"  # Ultralytics' own names pass through


def test_corrupt_wheel_checksum_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKYOLO_CACHE", str(tmp_path))
    fake = tmp_path / "wheels" / wheels.WHEELS["deepforest"].filename
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"corrupt")
    with pytest.raises(UserError, match="checksum mismatch"):
        wheels.fetch("deepforest")


def test_calibration_sampler(shapes_yaml):
    first = calibration_images(str(shapes_yaml), n=10, seed=0)
    assert len(first) == 10 and all(p.parent.name == "train" for p in first)
    assert first == calibration_images(str(shapes_yaml), n=10, seed=0)
    assert len(calibration_images(str(shapes_yaml), n=1000)) == 48


def test_cli_data_info(shapes_yaml, capsys):
    from leakyolo.cli import main

    assert main(["data", "info", str(shapes_yaml)]) == 0
    out = capsys.readouterr().out
    assert "train: 48 images" in out and "val: 16 images" in out
    assert main(["data", "info", "nosuch"]) == 2
