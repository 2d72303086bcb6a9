"""Frame sources for `detect`: camera, video file, image, folder or glob of images, stream URL."""

import os
import re
import sys
import time
from pathlib import Path

import cv2

from leakyolo.base.errors import UserError

from .preprocess import read_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp")


def warn(message: str) -> None:
    """A non-fatal note on stderr."""
    print(f"detect: {message}", file=sys.stderr, flush=True)


class ImageSource:
    """Still images; a file that fails to decode is counted and skipped. Each is named by its path relative to
    the folder all of them share (its file name when they share one folder), so outputs of a glob that spans
    folders keep apart."""

    kind = "images"

    def __init__(self, paths: list):
        self.paths, self.fps, self.skipped = paths, None, 0
        root = os.path.commonpath([str(Path(p).parent.resolve()) for p in paths]) if paths else ""
        self.names = [Path(p).resolve().relative_to(root).as_posix() for p in paths]

    @property
    def inputs(self) -> list:
        """The files this source reads (outputs must not overwrite them)."""
        return self.paths

    def __iter__(self):
        for path, name in zip(self.paths, self.names):
            frame = read_image(path)
            if frame is None:
                self.skipped += 1
                warn(f"skipped {path}: cannot decode")
                continue
            yield name, frame

    def close(self):
        """Nothing to release."""


class CaptureSource:
    """A cv2.VideoCapture: video file, camera or stream. Live sources reopen after drops, with backoff,
    at most `reconnects` times in the whole run (a flapping source cannot reconnect forever)."""

    def __init__(self, target, kind: str, capture_factory=cv2.VideoCapture, reconnects: int = 5, backoff_s: float = 0.5):
        self.target, self.kind, self.factory = target, kind, capture_factory
        self.reconnects, self.backoff_s, self.skipped = reconnects, backoff_s, 0
        self.cap = self.factory(target)
        if not self.cap.isOpened():
            raise UserError(self._open_error())
        fps = self.cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 0 < fps < 1000 else None
        self.expected = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if kind == "video" else 0

    @property
    def inputs(self) -> list:
        """The file this source reads: a video's, none for live sources."""
        return [Path(self.target)] if self.kind == "video" else []

    def _open_error(self) -> str:
        if self.kind == "camera":
            return (f"no camera at index {self.target}; check it is connected (ls /dev/video*) "
                    f"or pick another with --source camera:N")
        if self.kind == "stream":
            return f"cannot open stream {self.target}; check the URL and that the server is reachable"
        return f"cannot open video {self.target}; the file is unreadable or not a video"

    def __iter__(self):
        index, reopened = 0, 0
        while True:
            ok, frame = self.cap.read()
            if ok and frame is not None:
                yield index, frame
                index += 1
                continue
            if self.kind == "video":
                self._check_complete(index)
                return
            if reopened >= self.reconnects:
                warn(f"{self.kind} {self.target} dropped and did not come back after {self.reconnects} reconnects")
                return
            reopened += 1
            delay = self.backoff_s * 2 ** min(reopened - 1, 6)
            warn(f"{self.kind} {self.target} dropped; reconnecting in {delay:.1f}s ({reopened}/{self.reconnects})")
            time.sleep(delay)
            self.cap.release()
            self.cap = self.factory(self.target)

    def _check_complete(self, decoded: int) -> None:
        """Warn when a video ends well before the frame count its container states (truncated or corrupt)."""
        if self.expected and decoded < self.expected - max(2, self.expected // 100):
            warn(f"video {self.target} ended early: {decoded} of {self.expected} frames decoded "
                 f"(the file is truncated or corrupt)")

    def close(self):
        """Release the capture."""
        self.cap.release()


def expand(pattern: str) -> list:
    """The files a glob matches; `**` descends into folders but never through symlinked ones (pathlib's rule),
    so a link loop (`ln -s . again`) cannot hang the walk."""
    parts = Path(pattern).parts
    fixed = next(i for i, part in enumerate(parts) if any(ch in part for ch in "*?["))
    base = Path(*parts[:fixed]) if fixed else Path(".")
    return [p for p in base.glob(str(Path(*parts[fixed:]))) if p.is_file()]


def open_source(spec: str, capture_factory=cv2.VideoCapture, reconnects: int = 5, backoff_s: float = 0.5,
                camera_class=None):
    """Open a source from its command-line form (camera_class: picamera2.Picamera2 or a stand-in)."""
    spec = str(spec).strip()
    if not spec:
        raise UserError("--source is empty: give camera, camera:N, a video, an image, a folder, a glob or a URL")
    live = dict(capture_factory=capture_factory, reconnects=reconnects, backoff_s=backoff_s)
    picam = re.fullmatch(r"picam(?::(\d+))?", spec)
    if picam:
        from .picam import PicamSource

        return PicamSource(int(picam.group(1) or 0), camera_class)
    camera = re.fullmatch(r"camera(?::(\d+))?|(\d+)", spec)
    if camera:
        return CaptureSource(int(camera.group(1) or camera.group(2) or 0), "camera", **live)
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", spec)
    if scheme:
        if scheme.group(1).lower() not in STREAM_SCHEMES:
            raise UserError(f"unsupported URL scheme '{scheme.group(1)}' in {spec}; "
                            f"use one of {', '.join(STREAM_SCHEMES)}")
        return CaptureSource(spec, "stream", **live)
    path = Path(spec)
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise UserError(f"folder {path} has no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return ImageSource(images)
    if any(ch in spec for ch in "*?["):
        images = sorted(p for p in expand(spec) if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise UserError(f"no images match {spec}")
        return ImageSource(images)
    if not path.is_file():
        raise UserError(f"source {spec} not found: give camera, camera:N, a video, an image, a folder, a glob or a URL")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path])
    return CaptureSource(str(path), "video", capture_factory=capture_factory)
