"""Outputs of `detect`: annotated video or images, JSON lines. Each file is written under a unique temp name
beside its target (created with O_EXCL: never an existing file or a planted symlink) and renamed into place
when complete; every write is checked, and a video is published only if it decodes to the frames written.
A target that is not a regular file (a FIFO, /dev/null) is written in place, never replaced."""

import json
import os
import stat
import sys
from pathlib import Path

import cv2

from leakyolo.base.errors import OutputError, UserError
from leakyolo.base.paths import new_temp_beside

from .preprocess import letterbox

VIDEO_CODECS = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}
IMAGE_NAMES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def special(path: Path) -> bool:
    """Whether path exists and is not a regular file (a FIFO, a device)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def temp_beside(path: Path) -> Path:
    """A new empty temp file beside path, unique to this run (O_EXCL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = new_temp_beside(path, f".partial{path.suffix}")
    os.close(fd)
    return name


def keep_partial(tmp: Path, path: Path) -> str:
    """Move a failed output's partial file to NAME.incomplete.EXT (removed if empty); where it went, in words."""
    if not tmp.exists():
        return "nothing was kept"
    if tmp.stat().st_size == 0:
        tmp.unlink()
        return "nothing was kept"
    kept = path.with_name(f"{path.stem}.incomplete{path.suffix}")
    os.replace(tmp, kept)
    return f"the partial output is {kept}"


class VideoSink:
    """Annotated video at the source's fps and size; published only if it decodes to every frame written."""

    def __init__(self, path: Path, fps):
        self.path, self.fps, self.writer, self.frames = Path(path), fps or 30.0, None, 0
        if self.path.suffix.lower() not in VIDEO_CODECS:
            raise UserError(f"--save {path}: use a .mp4, .avi or .mkv name for video, or a folder for images")
        if special(self.path):
            raise UserError(f"--save {path}: not a regular file; give a video file name")

    def write(self, name, frame) -> None:
        """Append one frame. The first fixes the size; others are letterboxed to it (images of mixed sizes)."""
        if self.writer is not None and frame.shape[:2] != self.size:
            frame = letterbox(frame, self.size)[0]
        if self.writer is None:
            self.size, self.tmp = frame.shape[:2], temp_beside(self.path)
            fourcc = cv2.VideoWriter_fourcc(*VIDEO_CODECS[self.path.suffix.lower()])
            self.writer = cv2.VideoWriter(str(self.tmp), fourcc, self.fps, (frame.shape[1], frame.shape[0]))
            if not self.writer.isOpened():
                self.tmp.unlink(missing_ok=True)
                raise UserError(f"cannot write video {self.path}; check the folder is writable")
        self.writer.write(frame)
        self.frames += 1

    def decoded_frames(self) -> int:
        """How many frames the finished temp file says it holds, if its last one decodes (else 0)."""
        cap = cv2.VideoCapture(str(self.tmp))
        try:
            count = max(int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0), 0) if cap.isOpened() else 0  # mkv: may be < 0
            cap.set(cv2.CAP_PROP_POS_FRAMES, max(self.frames - 1, 0))
            return count if count and cap.read()[0] else 0
        finally:
            cap.release()

    def close(self) -> None:
        """Finalise the container, check it, move it into place; a short or broken file is an OutputError."""
        if self.writer is None:
            return
        self.writer.release()
        self.writer = None
        found = self.decoded_frames()
        if found < self.frames:
            where = keep_partial(self.tmp, self.path)
            raise OutputError(f"--save {self.path}: wrote {self.frames} frames but the file holds {found} (disk full "
                              f"or a file-size limit?); {where}")
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        """Drop what was written (a run with no frames publishes nothing)."""
        if self.writer is not None:
            self.writer.release()
            self.writer = None
            self.tmp.unlink(missing_ok=True)


class ImageSink:
    """Annotated images into a folder under the sources' relative names, each written atomically."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def write(self, name, frame) -> None:
        """Save one annotated image under the source image's name (or the frame index)."""
        target = self.folder / (name if isinstance(name, str) else f"frame_{name:06d}.jpg")
        ok, buf = cv2.imencode(target.suffix or ".jpg", frame)
        if not ok:
            raise OutputError(f"--save {self.folder}: cannot encode {target.name}")
        tmp = temp_beside(target)
        try:
            tmp.write_bytes(buf.tobytes())
        except OSError as e:
            raise OutputError(f"--save {target}: {e.strerror or e}; {keep_partial(tmp, target)}") from None
        os.replace(tmp, target)

    def close(self) -> None:
        """Nothing to finalise."""

    def discard(self) -> None:
        """Nothing to drop: each image was complete when written."""


class JsonSink:
    """One JSON object per frame: to stdout ('-'), in place to a FIFO or device, or to a file renamed into place at
    the end. Every write and the final flush are checked."""

    def __init__(self, target: str):
        self.stdout, self.path, self.tmp = target == "-", Path(target), None
        if self.stdout:
            self.file = sys.stdout
        elif special(self.path):
            self.file = open(self.path, "w")
        else:
            self.tmp = temp_beside(self.path)
            self.file = open(self.tmp, "w")

    def fail(self, e: OSError) -> OutputError:
        """The error for a failed write or flush; the partial file is kept under a name that says so."""
        try:
            self.file.close()
        except OSError:
            pass
        where = keep_partial(self.tmp, self.path) if self.tmp else "written in place"
        self.tmp = None
        return OutputError(f"--json {self.path}: {e.strerror or e}; {where}")

    def write(self, record: dict) -> None:
        """Write one line (NaN is no JSON: numbers are checked by the detector before they get here)."""
        try:
            self.file.write(json.dumps(record, allow_nan=False) + "\n")
            if self.stdout:
                self.file.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise self.fail(e) from None

    def close(self) -> None:
        """Flush, close and move the file into place."""
        if self.stdout:
            return
        try:
            self.file.close()
        except OSError as e:
            raise self.fail(e) from None
        if self.tmp:
            os.replace(self.tmp, self.path)

    def discard(self) -> None:
        """Close and drop the partial file."""
        if not self.stdout:
            self.file.close()
            if self.tmp:
                self.tmp.unlink(missing_ok=True)


def open_sink(save, source_kind: str, fps):
    """A video sink for a video-like --save name or live sources; an image folder otherwise."""
    path = Path(save)
    if path.suffix.lower() in IMAGE_NAMES:
        raise UserError(f"--save {path}: give a folder for annotated images, or a .mp4, .avi or .mkv video")
    if path.suffix.lower() in VIDEO_CODECS or (source_kind != "images" and path.suffix):
        return VideoSink(path, fps)
    return ImageSink(path)
