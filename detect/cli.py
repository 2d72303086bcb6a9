"""`detect --source SRC --model FILE.onnx`: run a detector on cameras, videos, images and streams."""

import argparse
import os
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np

from leakyolo.errors import UserError

from .detector import DEFAULT_CONF

DEFAULT_MODEL_GLOB = "runs/pipeline/**/onnx/leakyolo-n-*-int8.onnx"
LATENCY_WINDOW = 10000  # latencies kept for p95: bounded, so memory stays flat over days


def default_model() -> Path:
    """The newest INT8 LeakYOLO-n the main job produced under ./runs, else a clear error."""
    found = sorted(Path().glob(DEFAULT_MODEL_GLOB), key=lambda p: p.stat().st_mtime)
    if not found:
        raise UserError("no --model given and no model from the main job found under runs/pipeline; "
                        "run `make demo` or pass --model FILE.onnx")
    return found[-1]


def build_parser() -> argparse.ArgumentParser:
    """Options of `detect`."""
    p = argparse.ArgumentParser(prog="detect", description="Run a LeakYOLO / YOLO ONNX detector (ONNX Runtime only)")
    p.add_argument("--source", required=True,
                   help="camera, camera:N, N, a video file, an image, a folder, a glob, or an rtsp/http URL")
    p.add_argument("--model", type=Path, help="ONNX detector (default: the main job's LeakYOLO-n INT8)")
    p.add_argument("--conf", type=float, default=DEFAULT_CONF, help="score threshold")
    p.add_argument("--iou", type=float, default=0.45, help="NMS IoU (raw-output models only)")
    p.add_argument("--classes", type=int, nargs="+", help="keep only these class ids")
    p.add_argument("--imgsz", type=int, help="input size (default: from the model)")
    p.add_argument("--threads", type=int, help="ONNX Runtime intra-op threads (default: all cores)")
    p.add_argument("--show", action="store_true", help="show a window (q / Esc quits)")
    p.add_argument("--save", type=Path, help="annotated video (.mp4/.avi) or a folder for annotated images")
    p.add_argument("--json", help="JSON lines, one per frame: a file path, or - for stdout")
    p.add_argument("--max-frames", type=int, help="stop after this many frames")
    p.add_argument("--reconnects", type=int, default=5, help="reopen attempts when a live source drops")
    return p


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


def run(args, capture_factory=None) -> int:
    """The detection loop; returns the number of frames processed."""
    import cv2

    from .detector import Detector
    from .draw import annotate
    from .sinks import JsonSink, open_sink
    from .sources import open_source

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our own one-line errors instead
    model = args.model or default_model()
    detector = Detector(model, conf=args.conf, iou=args.iou, classes=args.classes, imgsz=args.imgsz,
                        threads=args.threads)
    source = open_source(args.source, capture_factory or cv2.VideoCapture, reconnects=args.reconnects)
    show = args.show and display_available()
    if args.show and not show:
        print("detect: no display available; continuing headless", file=sys.stderr)
    sink = open_sink(args.save, source.kind, source.fps) if args.save else None
    json_sink = JsonSink(args.json) if args.json else None
    stats = Stats()
    print(f"detect: {model} ({detector.format} output, {detector.imgsz[1]}x{detector.imgsz[0]}) on {args.source}",
          file=sys.stderr)
    try:
        for name, frame in source:
            t0 = time.perf_counter()
            detections = detector(frame)
            ms = (time.perf_counter() - t0) * 1e3
            stats.add(ms)
            if json_sink:
                json_sink.write({"frame": stats.frames - 1, "source": name if isinstance(name, str) else args.source,
                                 "time": round(time.time(), 3), "detections": [d.to_dict() for d in detections],
                                 "latency_ms": {k: round(v, 3) for k, v in {**detector.timings, "total_ms": ms}.items()}})
            if sink or show:
                shown = annotate(frame, detections, fps=1e3 / ms if ms else None)
                if sink:
                    sink.write(name, shown)
                if show:
                    cv2.imshow("LeakYOLO detect", shown)
                    if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                        break
            if args.max_frames and stats.frames >= args.max_frames:
                break
    except KeyboardInterrupt:
        print("detect: interrupted; finalising outputs", file=sys.stderr)
    finally:
        source.close()
        if sink:
            sink.close()
        if json_sink:
            json_sink.close()
        if show:
            cv2.destroyAllWindows()
    print(f"detect: {stats.summary(source.skipped)}", file=sys.stderr)
    if args.save:
        print(f"detect: saved {args.save}", file=sys.stderr)
    return stats.frames


def main(argv=None) -> int:
    """Entry point of the `detect` command."""
    from leakyolo.cli import run as run_command

    return run_command(run, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
