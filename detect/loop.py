"""The detection loop as a function: `detect(source, model, opts)` -> frames, skipped inputs and the outputs
written. The `detect` command and the pipeline's demo video both call it."""

import os
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np

from leakyolo.base.defaults import CONF, DEFAULT_MODEL_GLOB, IOU, RUN_FOLDER
from leakyolo.base.errors import Interrupted, OutputError, UserError, finalised_on_stop, stop_now, stop_signals_held
from leakyolo.base.options import changed

MAX_NAME_BYTES = 200  # file systems allow 255; the temp name beside it adds a prefix and a suffix
LATENCY_WINDOW = 10000  # latencies kept for p95: bounded, so memory stays flat over days


@dataclass(frozen=True)
class DetectOptions:
    """What `detect` does with each frame and where its outputs go."""

    conf: float = CONF  # score threshold
    iou: float = IOU  # NMS IoU (raw-output models)
    classes: Optional[tuple] = None  # keep only these class ids
    imgsz: Optional[int] = None  # default: from the model
    threads: Optional[int] = None  # ONNX Runtime intra-op threads (default: all cores)
    device: str = "cpu"
    show: bool = False  # a window (q / Esc quits)
    save: Optional[Path] = None  # annotated video, or a folder of annotated images
    json: Optional[str] = None  # JSON lines: a file, or - for stdout
    max_frames: Optional[int] = None
    reconnects: int = 5  # reopen attempts when a live source drops or stalls

    def but(self, **changes) -> "DetectOptions":
        """A copy with some fields changed; an unknown field is a one-line error."""
        return changed(self, changes)


@dataclass
class DetectResult:
    """What a run did: frames processed, inputs skipped (undecodable), outputs published."""

    frames: int
    skipped: int
    outputs: list


def default_model() -> Path:
    """The newest INT8 LeakYOLO-n the main job produced under ./runs, else a clear error."""
    found = sorted(Path().glob(DEFAULT_MODEL_GLOB), key=lambda p: p.stat().st_mtime)
    if not found:
        raise UserError(f"no --model given and no model from the main job found under {RUN_FOLDER}; "
                        "run `make demo` or pass --model FILE.onnx")
    return found[-1]


def check_outputs(opts: DetectOptions, model: Path, inputs: list) -> None:
    """Refuse outputs that would overwrite an input or cannot be written, before the first frame."""
    taken = {Path(p).resolve(): "an input" for p in [model, *inputs]}
    targets = [(opt, Path(v)) for opt, v in (("--save", opts.save), ("--json", opts.json)) if v and v != "-"]
    for opt, path in targets:
        resolved = path.resolve()
        if resolved in taken:
            raise UserError(f"{opt} {path} is {taken[resolved]} of this run and would be overwritten; "
                            f"pick another name")
        if opt == "--save" and any(Path(p).resolve().parent == resolved for p in inputs):
            raise UserError(f"--save {path} is the folder of the source images and would overwrite them; "
                            f"pick another folder")
        parent = next(p for p in [resolved, *resolved.parents] if p.exists())
        if parent != resolved and not parent.is_dir():
            raise UserError(f"{opt} {path}: {parent} is a file, not a folder; pick another place")
        if parent != resolved and not os.access(parent, os.W_OK):
            raise UserError(f"{opt} {path}: folder {parent} is not writable; pick another place")
        if len(os.fsencode(path.name)) > MAX_NAME_BYTES:
            raise UserError(f"{opt}: the name {path.name[:40]}... is over {MAX_NAME_BYTES} bytes; pick a shorter one")
        taken[resolved] = f"the target of {opt}"


def display_available() -> bool:
    """Whether a window can be opened."""
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class Stats:
    """Frame count, bounded latency window, wall time."""

    def __init__(self):
        self.frames, self.started = 0, time.perf_counter()
        self.latency = deque(maxlen=LATENCY_WINDOW)
        self.sum_ms = 0.0

    def add(self, ms: float) -> None:
        """Record one frame's end-to-end latency."""
        self.frames += 1
        self.sum_ms += ms
        self.latency.append(ms)

    def summary(self, skipped: int, dropped: int = 0) -> str:
        """One line for the end of the run (dropped: invalid detections the detector left out)."""
        wall = time.perf_counter() - self.started
        if not self.frames:
            return f"frames 0, skipped {skipped}"
        p95 = float(np.percentile(np.fromiter(self.latency, float), 95))
        invalid = f", dropped {dropped} invalid detection(s) (NaN, empty box or unknown class)" if dropped else ""
        return (f"frames {self.frames}, skipped {skipped}, latency mean {self.sum_ms / self.frames:.1f} ms "
                f"p95 {p95:.1f} ms, {self.frames / wall:.1f} fps{invalid}")


def open_outputs(opts: DetectOptions, source) -> tuple:
    """The video / image sink and the JSON sink the options ask for (None where not asked)."""
    from .sinks import JsonSink, open_sink

    sink = open_sink(opts.save, source.kind, source.fps) if opts.save else None
    return sink, JsonSink(opts.json) if opts.json else None


def frame_record(index: int, name, source: str, detections: list, timings: dict, ms: float) -> dict:
    """One JSON line: frame index, source name, time, detections, latency split."""
    return {"frame": index, "source": name if isinstance(name, str) else source, "time": round(time.time(), 3),
            "detections": [d.to_dict() for d in detections],
            "latency_ms": {k: round(v, 3) for k, v in {**timings, "total_ms": ms}.items()}}


def loop(opts: DetectOptions, spec: str, detector, source, outputs: tuple, show: bool, stats: Stats) -> None:
    """Detect on every frame of source; write the outputs; stop at max_frames or q / Esc."""
    import cv2

    from .draw import annotate

    sink, json_sink = outputs
    for name, frame in source:
        t0 = time.perf_counter()
        detections = detector(frame)
        ms = (time.perf_counter() - t0) * 1e3
        stats.add(ms)
        shown = annotate(frame, detections, fps=1e3 / ms if ms else None) if sink or show else None
        with stop_signals_held() as came:  # a frame reaches every output or none (a Ctrl-C waits for both)
            if json_sink:
                json_sink.write(frame_record(stats.frames - 1, name, spec, detections, detector.timings, ms))
            if sink:
                sink.write(name, shown)
        if came:
            stop_now(came[0])
        if show:
            cv2.imshow("LeakYOLO detect", shown)
            if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                return
        if opts.max_frames and stats.frames >= opts.max_frames:
            return


def conclude(opts: DetectOptions, spec: str, stats: Stats, counts: tuple, stopped) -> DetectResult:
    """The closing lines; a run without frames is an error, a stop signal is passed on after them. counts:
    (inputs skipped, detections dropped)."""
    skipped, dropped = counts
    print(f"detect: {stats.summary(skipped, dropped)}", file=sys.stderr)
    if stopped is None and not stats.frames:
        why = f"none of its {skipped} images could be decoded" if skipped else "it gave no frames"
        raise UserError(f"no frame processed from {spec}: {why}; nothing written")
    outputs = [out for out in (opts.save, opts.json) if out and out != "-" and stats.frames]
    for out in outputs:
        print(f"detect: saved {out}", file=sys.stderr)
    if stopped is not None:
        raise stopped
    return DetectResult(stats.frames, skipped, outputs)


def finalise(outputs: tuple, publish: bool) -> None:
    """Close (publish) or discard every output; an output that fails to close does not stop the others, and
    the first failure is raised after them."""
    failure = None
    for out in (o for o in outputs if o):
        try:
            out.close() if publish else out.discard()
        except (OutputError, OSError) as e:
            failure = failure or e
    if failure:
        raise failure


def detect(source: str, model: Optional[Union[str, Path]] = None, opts: Optional[DetectOptions] = None,
           capture_factory=None, camera_class=None, **changes) -> DetectResult:
    """Run a detector on a source (camera, video, image, folder, glob, stream); `opts` (DetectOptions;
    keyword arguments change single fields) say what to write. model defaults to the main job's newest
    LeakYOLO-n INT8. capture_factory and camera_class stand in for OpenCV's and picamera2's (tests).

    Ctrl-C, SIGTERM and SIGHUP finalise the outputs (what was written is published), then propagate.
    A run that processed no frame publishes nothing and is an error.
    """
    import cv2

    from .detector import Detector
    from .session import providers_for
    from .sources import open_source

    opts = (opts or DetectOptions()).but(**changes)
    opts = opts.but(save=Path(opts.save)) if opts.save else opts
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our own one-line errors instead
    model = Path(model) if model else default_model()
    detector = Detector(model, conf=opts.conf, iou=opts.iou, classes=opts.classes, imgsz=opts.imgsz,
                        threads=opts.threads, providers=providers_for(opts.device))
    frames = open_source(source, capture_factory or cv2.VideoCapture, reconnects=opts.reconnects,
                         camera_class=camera_class)
    check_outputs(opts, model, frames.inputs)
    show = opts.show and display_available()
    if opts.show and not show:
        print("detect: no display available; continuing headless", file=sys.stderr)
    outputs, stats, stopped = open_outputs(opts, frames), Stats(), None
    print(f"detect: {model} ({detector.format} output, {detector.imgsz[1]}x{detector.imgsz[0]}) on {source}",
          file=sys.stderr)
    with finalised_on_stop():  # a second Ctrl-C before the finalising hold is held too
        try:
            loop(opts, source, detector, frames, outputs, show, stats)
        except KeyboardInterrupt as e:
            stopped = e
            print(f"detect: interrupted ({e}); finalising outputs", file=sys.stderr)
        finally:
            with stop_signals_held() as came:
                frames.close()
                finalise(outputs, publish=stats.frames > 0)
                if show:
                    cv2.destroyAllWindows()
    stopped = stopped or (Interrupted(came[0]) if came else None)
    return conclude(opts, source, stats, (frames.skipped, detector.dropped), stopped)
