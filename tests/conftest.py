"""Shared fixtures: a tiny shapes dataset and a tiny trained model, built once per session."""

import os
from pathlib import Path

import pytest

# Downloaded wheels and Ultralytics' config are shared through the project cache (the Makefile sets
# LEAKYOLO_CACHE); datasets and runs that tests make go to pytest's temp folders.
os.environ.setdefault("LEAKYOLO_CACHE", str(Path(__file__).resolve().parents[1] / ".cache" / "leakyolo"))


@pytest.fixture(scope="session")
def shapes_yaml(tmp_path_factory):
    """A 64-px shapes dataset (48 train / 16 val images)."""
    from leakyolo.datasets import build

    return build("shapes", out=tmp_path_factory.mktemp("data") / "shapes", imgsz=64, n_images=64)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, shapes_yaml):
    """leakyolo-n trained 1 epoch on shapes at 64 px."""
    from leakyolo.models.train import train

    return train("leakyolo-n", str(shapes_yaml), epochs=1, imgsz=64, batch=8, workers=0,
                 project=tmp_path_factory.mktemp("runs"), name="tiny")
