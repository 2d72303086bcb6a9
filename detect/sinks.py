"""Outputs of `detect`: annotated video or images, JSON lines; each finalised atomically."""

import json
import os
import sys
from pathlib import Path

import cv2

from leakyolo.base.errors import UserError

from .preprocess import letterbox

VIDEO_CODECS = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}


class VideoSink:
    """Annotated video at the source's fps and size; written to a temp name, renamed on close."""

    def __init__(self, path: Path, fps):
        self.path, self.fps, self.writer = Path(path), fps or 30.0, None
        if self.path.suffix.lower() not in VIDEO_CODECS:
            raise UserError(f"--save {path}: use a .mp4, .avi or .mkv name for video, or a folder for images")
        self.tmp = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")

    def write(self, name, frame) -> None:
        """Append one frame. The first fixes the size; others are letterboxed to it (images of mixed sizes)."""
        if self.writer is not None and frame.shape[:2] != self.size:
            frame = letterbox(frame, self.size)[0]
        if self.writer is None:
            self.size = frame.shape[:2]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fourcc = cv2.VideoWriter_fourcc(*VIDEO_CODECS[self.path.suffix.lower()])
            self.writer = cv2.VideoWriter(str(self.tmp), fourcc, self.fps, (frame.shape[1], frame.shape[0]))
            if not self.writer.isOpened():
                raise UserError(f"cannot write video {self.path}; check the folder is writable")
        self.writer.write(frame)

    def close(self) -> None:
        """Finalise the container and move it into place."""
        if self.writer is not None:
            self.writer.release()
            os.replace(self.tmp, self.path)

    def discard(self) -> None:
        """Drop what was written (a run with no frames publishes nothing)."""
        if self.writer is not None:
            self.writer.release()
        self.tmp.unlink(missing_ok=True)


class ImageSink:
    """Annotated images into a folder, each written atomically."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def write(self, name, frame) -> None:
        """Save one annotated image under the source image's name (or the frame index)."""
        target = self.folder / (name if isinstance(name, str) else f"frame_{name:06d}.jpg")
        ok, buf = cv2.imencode(target.suffix or ".jpg", frame)
        if ok:
            tmp = target.with_name(f".{target.name}.partial")
            tmp.write_bytes(buf.tobytes())
            os.replace(tmp, target)

    def close(self) -> None:
        """Nothing to finalise."""

    def discard(self) -> None:
        """Nothing was written."""


class JsonSink:
    """One JSON object per frame: to stdout ('-'), or to a file renamed into place at the end."""

    def __init__(self, target: str):
        self.stdout = target == "-"
        if self.stdout:
            self.file = sys.stdout
        else:
            self.path = Path(target)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = self.path.with_name(f".{self.path.name}.partial")
            self.file = open(self.tmp, "w")

    def write(self, record: dict) -> None:
        """Write one line."""
        self.file.write(json.dumps(record) + "\n")
        if self.stdout:
            self.file.flush()

    def close(self) -> None:
        """Close and move the file into place."""
        if not self.stdout:
            self.file.close()
            os.replace(self.tmp, self.path)

    def discard(self) -> None:
        """Close and drop the partial file."""
        if not self.stdout:
            self.file.close()
            self.tmp.unlink(missing_ok=True)


def open_sink(save, source_kind: str, fps):
    """A video sink for a video-like --save name or live sources; an image folder otherwise."""
    path = Path(save)
    if path.suffix.lower() in VIDEO_CODECS or (source_kind != "images" and path.suffix):
        return VideoSink(path, fps)
    return ImageSink(path)
