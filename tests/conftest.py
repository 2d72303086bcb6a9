"""Shared fixtures: tiny datasets, a small model that really learns, its ONNX exports. Built once."""

import os
from pathlib import Path

import pytest

# Downloaded wheels and Ultralytics' config are shared through the project cache (the Makefile sets
# LEAKYOLO_CACHE); datasets and runs that tests make go to pytest's temp folders.
os.environ.setdefault("LEAKYOLO_CACHE", str(Path(__file__).resolve().parents[1] / ".cache" / "leakyolo"))

IMGSZ = 96


@pytest.fixture(scope="session")
def shapes_yaml(tmp_path_factory):
    """A 64-px shapes dataset (48 train / 16 val images) for quick runs."""
    from leakyolo.datasets import build

    return build("shapes", out=tmp_path_factory.mktemp("data") / "shapes", imgsz=64, n_images=64)


@pytest.fixture(scope="session")
def learn_yaml(tmp_path_factory):
    """A 96-px shapes dataset big enough to learn from (192 train / 64 val images)."""
    from leakyolo.datasets import build

    return build("shapes", out=tmp_path_factory.mktemp("data") / "shapes96", imgsz=IMGSZ, n_images=256)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, learn_yaml):
    """leakyolo-n trained on shapes at 96 px until it detects (about 90 s on 2 cores).

    Mosaic off and a 1-epoch warmup: at this budget mosaic leaves too few learnable objects.
    """
    from leakyolo.models.train import train

    return train("leakyolo-n", str(learn_yaml), epochs=30, imgsz=IMGSZ, batch=8, workers=0,
                 project=tmp_path_factory.mktemp("runs"), name="shapes", mosaic=0.0, warmup_epochs=1)


@pytest.fixture(scope="session")
def exported(tmp_path_factory, trained_run):
    """FP32 (end2end), INT8 (end2end, the types the pipeline picks for this CPU) and FP32 raw ONNX files of the
    trained model."""
    from leakyolo.export.exporter import export
    from leakyolo.export.quantize import host_int8_types

    out = tmp_path_factory.mktemp("onnx")
    fp32, int8 = export(trained_run, imgsz=IMGSZ, int8=True, calib_images=64, out=out, types=host_int8_types())
    (raw,) = export(trained_run, imgsz=IMGSZ, raw=True, out=out, skip_gates=True)
    return {"fp32": fp32, "int8": int8, "raw": raw}


@pytest.fixture(scope="session")
def pipeline_out(tmp_path_factory):
    """The main job end to end on shapes with a tiny budget (two models, one epoch)."""
    from leakyolo.pipeline import pipeline

    out = tmp_path_factory.mktemp("pipeline")
    report = pipeline("quick", data=["shapes"], models=["leakyolo-n", "yolo26n"], imgsz=64, epochs=1, out=out)
    return report.parent.parent


def confident_image(model: Path, data_yaml) -> Path:
    """The val image (of the first 16) on which model finds the most objects on this machine: parity on an image
    with nothing above detect's threshold compares nothing (the tiny model's first image can be borderline)."""
    import cv2

    from leakyolo.detect.detector import Detector
    from leakyolo.pipeline.measure import val_images

    detector = Detector(model)
    return max(val_images(data_yaml)[:16], key=lambda image: len(detector(cv2.imread(str(image)))))
