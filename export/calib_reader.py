"""INT8 calibration data reader: train-split images through the exact inference letterbox."""

import cv2
from onnxruntime.quantization import CalibrationDataReader

from leakyolo.detect.preprocess import preprocess
from leakyolo.errors import UserError


class LetterboxDataReader(CalibrationDataReader):
    """Feeds calibration images to ONNX Runtime's quantizer, one letterboxed tensor at a time."""

    def __init__(self, images: list, input_name: str, size: tuple):
        if not images:
            raise UserError("calibration data has no images; pass --calib-data with a non-empty train split")
        self.images, self.input_name, self.size = list(images), input_name, size
        self.index = 0

    def get_next(self):
        """The next {input_name: tensor}, or None when done."""
        while self.index < len(self.images):
            path = self.images[self.index]
            self.index += 1
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise UserError(f"{path}: calibration image cannot be read; remove or replace it")
            return {self.input_name: preprocess(image, self.size)[0]}
        return None

    def rewind(self):
        """Start again from the first image (used by multi-pass calibrators)."""
        self.index = 0
