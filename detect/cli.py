"""`detect --source SRC --model FILE.onnx`: run a detector on cameras, videos, images and streams."""

import argparse
import os
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np

from leakyolo.base.argtypes import HelpFormatter, flat, fraction, int_list, non_negative_int, output_file, positive_int
from leakyolo.base.defaults import CONF, IOU
from leakyolo.base.errors import UserError
from leakyolo.base.errors import run as run_command

from .session import DEVICES, providers_for


DEFAULT_MODEL_GLOB = "runs/pipeline/**/onnx/leakyolo-n-*-int8.onnx"
LATENCY_WINDOW = 10000  # latencies kept for p95: bounded, so memory stays flat over days


def default_model() -> Path:
    """The newest INT8 LeakYOLO-n the main job produced under ./runs, else a clear error."""
    found = sorted(Path().glob(DEFAULT_MODEL_GLOB), key=lambda p: p.stat().st_mtime)
    if not found:
        raise UserError("no --model given and no model from the main job found under runs/pipeline; "
                        "run `make demo` or pass --model FILE.onnx")
    return found[-1]


def json_target(text: str):
    """`--json`: '-' for stdout, else a file (not a folder)."""
    return text if text == "-" else output_file(text)


def build_parser() -> argparse.ArgumentParser:
    """Options of `detect`."""
    p = argparse.ArgumentParser(prog="detect", description="Run a LeakYOLO / YOLO ONNX detector (ONNX Runtime only)",
                                formatter_class=HelpFormatter)
    p.add_argument("--source", required=True,
                   help="camera, camera:N, N (USB / V4L2), picam, picam:N (Raspberry Pi CSI camera via picamera2), "
                        "a video file, an image, a folder, a glob, or an rtsp/http URL")
    p.add_argument("--model", type=Path, help="ONNX detector (default: the main job's LeakYOLO-n INT8)")
    p.add_argument("--conf", type=fraction, default=CONF, help="score threshold, 0-1")
    p.add_argument("--iou", type=fraction, default=IOU, help="NMS IoU, 0-1 (raw-output models only)")
    p.add_argument("--classes", type=int_list, nargs="+", help="keep only these class ids: 0,2 or 0 2")
    p.add_argument("--imgsz", type=positive_int, help="input size (default: from the model)")
    p.add_argument("--threads", type=positive_int, help="ONNX Runtime intra-op threads (default: all cores)")
    p.add_argument("--device", default="cpu", choices=sorted(DEVICES),
                   help="ONNX Runtime execution provider (needs the matching onnxruntime build, e.g. onnxruntime-gpu)")
    p.add_argument("--show", action="store_true", help="show a window (q / Esc quits)")
    p.add_argument("--save", type=Path, help="annotated video (.mp4/.avi/.mkv) or a folder for annotated images")
    p.add_argument("--json", type=json_target, help="JSON lines, one per frame: a file path, or - for stdout")
    p.add_argument("--max-frames", type=positive_int, help="stop after this many frames (default: all)")
    p.add_argument("--reconnects", type=non_negative_int, default=5,
                   help="reopen attempts in the whole run when a live source drops or stalls")
    return p


def check_outputs(args, model: Path, inputs: list) -> None:
    """Refuse outputs that would overwrite an input or cannot be written, before the first frame."""
    taken = {Path(p).resolve(): "an input" for p in [model, *inputs]}
    targets = [(opt, Path(v)) for opt, v in (("--save", args.save), ("--json", args.json)) if v and v != "-"]
    for opt, path in targets:
        resolved = path.resolve()
        if resolved in taken:
            raise UserError(f"{opt} {path} is {taken[resolved]} of this run and would be overwritten; "
                            f"pick another name")
        if opt == "--save" and any(Path(p).resolve().parent == resolved for p in inputs):
            raise UserError(f"--save {path} is the folder of the source images and would overwrite them; "
                            f"pick another folder")
        parent = next(p for p in [resolved, *resolved.parents] if p.exists())
        if parent != resolved and not os.access(parent, os.W_OK):
            raise UserError(f"{opt} {path}: folder {parent} is not writable; pick another place")
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

    def summary(self, skipped: int) -> str:
        """One line for the end of the run."""
        wall = time.perf_counter() - self.started
        if not self.frames:
            return f"frames 0, skipped {skipped}"
        p95 = float(np.percentile(np.fromiter(self.latency, float), 95))
        return (f"frames {self.frames}, skipped {skipped}, latency mean {self.sum_ms / self.frames:.1f} ms "
                f"p95 {p95:.1f} ms, {self.frames / wall:.1f} fps")


def open_outputs(args, source) -> tuple:
    """The video / image sink and the JSON sink the options ask for (None where not asked)."""
    from .sinks import JsonSink, open_sink

    sink = open_sink(args.save, source.kind, source.fps) if args.save else None
    return sink, JsonSink(args.json) if args.json else None


def frame_record(index: int, name, args, detections: list, timings: dict, ms: float) -> dict:
    """One JSON line: frame index, source name, time, detections, latency split."""
    return {"frame": index, "source": name if isinstance(name, str) else args.source, "time": round(time.time(), 3),
            "detections": [d.to_dict() for d in detections],
            "latency_ms": {k: round(v, 3) for k, v in {**timings, "total_ms": ms}.items()}}


def loop(args, detector, source, sink, json_sink, show: bool, stats: Stats) -> None:
    """Detect on every frame of source; write the outputs; stop at --max-frames or q / Esc."""
    import cv2

    from .draw import annotate

    for name, frame in source:
        t0 = time.perf_counter()
        detections = detector(frame)
        ms = (time.perf_counter() - t0) * 1e3
        stats.add(ms)
        if json_sink:
            json_sink.write(frame_record(stats.frames - 1, name, args, detections, detector.timings, ms))
        if sink or show:
            shown = annotate(frame, detections, fps=1e3 / ms if ms else None)
            if sink:
                sink.write(name, shown)
            if show:
                cv2.imshow("LeakYOLO detect", shown)
                if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                    return
        if args.max_frames and stats.frames >= args.max_frames:
            return


def conclude(args, stats: Stats, skipped: int, stopped) -> int:
    """The closing lines; a run without frames is an error, a stop signal is passed on after them."""
    print(f"detect: {stats.summary(skipped)}", file=sys.stderr)
    if stopped is None and not stats.frames:
        why = f"none of its {skipped} images could be decoded" if skipped else "it gave no frames"
        raise UserError(f"no frame processed from {args.source}: {why}; nothing written")
    for out in (args.save, args.json):
        if out and out != "-" and stats.frames:
            print(f"detect: saved {out}", file=sys.stderr)
    if stopped is not None:
        raise stopped
    return stats.frames


def run(args, capture_factory=None, camera_class=None) -> int:
    """The detection loop; returns the number of frames processed.

    Ctrl-C, SIGTERM and SIGHUP finalise the outputs (what was written is published), then propagate.
    A run that processed no frame publishes nothing and is an error.
    """
    import cv2

    from .detector import Detector
    from .sources import open_source

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our own one-line errors instead
    model = args.model or default_model()
    detector = Detector(model, conf=args.conf, iou=args.iou, classes=flat(args.classes), imgsz=args.imgsz,
                        threads=args.threads, providers=providers_for(args.device))
    source = open_source(args.source, capture_factory or cv2.VideoCapture, reconnects=args.reconnects,
                         camera_class=camera_class)
    check_outputs(args, model, source.inputs)
    show = args.show and display_available()
    if args.show and not show:
        print("detect: no display available; continuing headless", file=sys.stderr)
    sink, json_sink = open_outputs(args, source)
    stats, stopped = Stats(), None
    print(f"detect: {model} ({detector.format} output, {detector.imgsz[1]}x{detector.imgsz[0]}) on {args.source}",
          file=sys.stderr)
    try:
        loop(args, detector, source, sink, json_sink, show, stats)
    except KeyboardInterrupt as e:
        stopped = e
        print(f"detect: interrupted ({e}); finalising outputs", file=sys.stderr)
    finally:
        source.close()
        for out in (sink, json_sink):
            if out:
                out.close() if stats.frames else out.discard()
        if show:
            cv2.destroyAllWindows()
    return conclude(args, stats, source.skipped, stopped)


def main(argv=None) -> int:
    """Entry point of the `detect` command."""
    return run_command(run, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
