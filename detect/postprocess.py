"""Decode both ONNX output formats to boxes in source-image pixels."""

import cv2
import numpy as np

from leakyolo.base.defaults import MAX_DET


def decode_end2end(output: np.ndarray, conf: float) -> tuple:
    """NMS-free [1, N, 6] (x1, y1, x2, y2, score, class) -> (boxes, scores, class_ids)."""
    det = output[0]
    keep = det[:, 4] >= conf
    det = det[keep]
    return det[:, :4].astype(np.float32), det[:, 4].astype(np.float32), det[:, 5].astype(np.int64)


def decode_raw(output: np.ndarray, conf: float, iou: float, max_det: int = MAX_DET) -> tuple:
    """Raw [1, 4+nc, anchors] (cx, cy, w, h, class scores) -> class-aware NMS via OpenCV."""
    pred = output[0].T  # anchors x (4 + nc)
    scores_all = pred[:, 4:]
    class_ids = scores_all.argmax(1)
    scores = scores_all[np.arange(len(pred)), class_ids]
    keep = scores >= conf
    pred, scores, class_ids = pred[keep], scores[keep], class_ids[keep]
    if not len(pred):
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    xywh = pred[:, :4]
    boxes = np.concatenate([xywh[:, :2] - xywh[:, 2:] / 2, xywh[:, :2] + xywh[:, 2:] / 2], 1)
    tlwh = np.concatenate([boxes[:, :2], xywh[:, 2:]], 1)
    idx = cv2.dnn.NMSBoxesBatched(tlwh.tolist(), scores.tolist(), class_ids.tolist(), conf, iou, top_k=max_det)
    idx = np.asarray(idx, dtype=np.int64).reshape(-1)
    idx = idx[np.argsort(-scores[idx], kind="stable")][:max_det]
    return boxes[idx].astype(np.float32), scores[idx].astype(np.float32), class_ids[idx].astype(np.int64)


def scale_back(boxes: np.ndarray, gain, pad, shape) -> np.ndarray:
    """Undo the letterbox: model-input pixels -> source pixels, clipped to the source (h, w)."""
    out = boxes.copy()
    out[:, [0, 2]] = (out[:, [0, 2]] - pad[0]) / gain[0]
    out[:, [1, 3]] = (out[:, [1, 3]] - pad[1]) / gain[1]
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, shape[1])
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, shape[0])
    return out
