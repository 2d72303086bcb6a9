"""INT8 calibration, all of it: which images (a seeded sample of the train split), how they reach ONNX
Runtime's quantizer (the exact inference letterbox), and which calibration method is kept (in `auto`
mode MinMax, then Percentile, then Entropy, until the INT8 accuracy gate passes)."""

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader

from leakyolo.base.defaults import CALIB_IMAGES as DEFAULT_IMAGES
from leakyolo.base.errors import UserError
from leakyolo.datasets.registry import resolve_data
from leakyolo.datasets.validate import images_of
from leakyolo.detect.preprocess import preprocess, read_image

AUTO_METHODS = ("minmax", "percentile", "entropy")


def sample_images(data: str, n: int = DEFAULT_IMAGES, seed: int = 0) -> list:
    """A deterministic sample of up to n train-split image paths of a dataset name or YAML."""
    images = images_of(resolve_data(data), "train")
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(images), size=min(n, len(images)), replace=False))
    return [images[i] for i in pick]


class LetterboxDataReader(CalibrationDataReader):
    """Feeds calibration images to ONNX Runtime's quantizer, one letterboxed tensor at a time, with a
    progress count on stderr (each calibration pass reads every image)."""

    def __init__(self, images: list, input_name: str, size: tuple, progress: bool = True):
        if not images:
            raise UserError("calibration data has no images; pass --calib-data with a non-empty train split")
        self.images, self.input_name, self.size, self.progress = list(images), input_name, size, progress
        self.index = 0

    def get_next(self):
        """The next {input_name: tensor}, or None when done."""
        if self.index >= len(self.images):
            return None
        path = self.images[self.index]
        self.index += 1
        if self.progress and (self.index % 50 == 0 or self.index == len(self.images)):
            print(f"export: calibration image {self.index}/{len(self.images)}", file=sys.stderr, flush=True)
        image = read_image(path)
        if image is None:
            raise UserError(f"{path}: calibration image cannot be read; remove or replace it")
        return {self.input_name: preprocess(image, self.size)[0]}

    def rewind(self):
        """Start again from the first image (used by multi-pass calibrators)."""
        self.index = 0


@dataclass
class Calibrated:
    """The outcome of calibrate(): the last quantization's settings, its gates and mAP, and the gate's
    message when no method passed."""

    settings: dict
    gates: dict = field(default_factory=lambda: {"skipped": True})
    accuracy: dict = None
    failure: str = ""


def calibrate(fp32: Path, dest: Path, images: list, size: tuple, opts, measure=None, gate=None,
              log=print) -> Calibrated:
    """Quantize fp32 to dest with each method in turn (opts.calib_method; `auto`: AUTO_METHODS) until
    `gate(accuracy)` passes, with opts.types and opts.exclude_head (ExportOptions).

    measure(path) -> accuracy dict and gate(accuracy) -> gate dict (raising GateError) are the export's
    accuracy check; without them the first method's file is kept ungated.
    """
    from .gates import GateError, check_onnx
    from .quantize import quantize

    attempts, failure = [], ""
    for method in AUTO_METHODS if opts.calib_method == "auto" else (opts.calib_method,):
        log(f"INT8: calibrating on {len(images)} train images ({method}, {opts.types})")
        settings = {**quantize(fp32, dest, lambda name: LetterboxDataReader(images, name, size), method, opts.types,
                               opts.exclude_head), "calibration_images": len(images)}
        check_onnx(dest)
        if measure is None:
            return Calibrated(settings)
        log("accuracy: INT8 ONNX on the val split")
        accuracy = measure(dest)
        try:
            return Calibrated(settings, {"checker": "passed", "accuracy": gate(accuracy),
                                         "calibration_attempts": attempts}, accuracy)
        except GateError as e:
            attempts.append({"method": method, "mAP50-95": accuracy["mAP50-95"]})
            failure = str(e)
    return Calibrated(settings, failure=failure)
