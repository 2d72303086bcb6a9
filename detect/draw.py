"""Draw detections and an FPS counter on a frame."""

import cv2
import numpy as np


def color(class_id: int) -> tuple:
    """A stable, distinct BGR colour per class."""
    hue = (class_id * 47) % 180
    bgr = cv2.cvtColor(np.uint8([[[hue, 220, 255]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return tuple(int(c) for c in bgr)


def annotate(frame: np.ndarray, detections: list, fps=None) -> np.ndarray:
    """A copy of frame with boxes, labels, scores and an optional FPS counter."""
    out = frame.copy()
    thickness = max(1, round(sum(out.shape[:2]) / 600))
    for d in detections:
        x1, y1, x2, y2 = (int(round(v)) for v in d.box)
        c = color(d.class_id)
        cv2.rectangle(out, (x1, y1), (x2, y2), c, thickness)
        label = f"{d.name} {d.score:.2f}"
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.4 * thickness, 1)
        top = max(y1 - th - 4, 0)
        cv2.rectangle(out, (x1, top), (x1 + tw + 2, top + th + 4), c, -1)
        cv2.putText(out, label, (x1 + 1, top + th + 1), cv2.FONT_HERSHEY_SIMPLEX, 0.4 * thickness, (0, 0, 0), 1,
                    cv2.LINE_AA)
    if fps is not None:
        cv2.putText(out, f"{fps:.1f} FPS", (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 0), 2, cv2.LINE_AA)
    return out
