"""Letterbox preprocessing, identical to Ultralytics' LetterBox (center, pad 114, INTER_LINEAR)."""

import cv2
import numpy as np

PAD_VALUE = 114


def letterbox(image: np.ndarray, size) -> tuple:
    """Resize keeping aspect ratio and pad to size (h, w). Returns (img, (gain_x, gain_y), (pad_x, pad_y))."""
    new_h, new_w = size
    h, w = image.shape[:2]
    r = min(new_h / h, new_w / w)
    unpad_w, unpad_h = max(round(w * r), 1), max(round(h * r), 1)
    dw, dh = (new_w - unpad_w) / 2, (new_h - unpad_h) / 2
    if (w, h) != (unpad_w, unpad_h):
        image = cv2.resize(image, (unpad_w, unpad_h), interpolation=cv2.INTER_LINEAR)
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    image = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return image, (unpad_w / w, unpad_h / h), (left, top)


def to_input(image: np.ndarray) -> np.ndarray:
    """BGR HWC uint8 -> RGB NCHW float32 in 0..1."""
    return np.ascontiguousarray(image[None, :, :, ::-1].transpose(0, 3, 1, 2), dtype=np.float32) / 255.0


def preprocess(image: np.ndarray, size) -> tuple:
    """Letterbox + tensor: (input, gain, pad)."""
    padded, gain, pad = letterbox(image, size)
    return to_input(padded), gain, pad


def read_image(path, flags: int = cv2.IMREAD_COLOR):
    """An image file decoded from its bytes (numpy reads the file, OpenCV decodes the buffer), None when it cannot
    be read or decoded. cv2.imread on a file name that is not UTF-8 (caf\\xe9.jpg from an old camera or an SMB
    share) crashed the process inside OpenCV."""
    try:
        data = np.fromfile(path, np.uint8)
    except (OSError, ValueError):
        return None
    return cv2.imdecode(data, flags) if data.size else None
