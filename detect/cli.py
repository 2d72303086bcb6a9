"""`detect --source SRC --model MODEL`: run a detector (ONNX, OpenVINO or NCNN) on cameras, videos, images and
streams."""

import argparse
import sys
from pathlib import Path

from leakyolo.base.argtypes import HelpFormatter, flat, fraction, int_list, non_negative_int, output_file, positive_int
from leakyolo.base.defaults import CONF, IOU
from leakyolo.base.errors import run as run_command

from .loop import DetectOptions, detect
from .session import DEVICES


def json_target(text: str):
    """`--json`: '-' for stdout, else a file (not a folder)."""
    return text if text == "-" else output_file(text)


def build_parser() -> argparse.ArgumentParser:
    """Options of `detect`."""
    about = ("Run a LeakYOLO / YOLO detector: an .onnx file (ONNX Runtime), a NAME_openvino_model or NAME_ncnn_model "
             "folder (OpenVINO, NCNN extras)")
    p = argparse.ArgumentParser(prog="detect", description=about,
                                formatter_class=HelpFormatter)
    p.add_argument("--source", required=True,
                   help="camera, camera:N, N (USB / V4L2), picam, picam:N (Raspberry Pi CSI camera via picamera2), "
                        "a video file, an image, a folder, a glob, or an rtsp/http URL")
    p.add_argument("--model", type=Path, help="model: .onnx, NAME_openvino_model/ or NAME_ncnn_model/ (default: the main job's "
                        "LeakYOLO-n INT8 ONNX)")
    p.add_argument("--conf", type=fraction, default=CONF, help="score threshold, 0-1")
    p.add_argument("--iou", type=fraction, default=IOU, help="NMS IoU, 0-1 (raw-output models only)")
    p.add_argument("--classes", type=int_list, nargs="+", help="keep only these class ids: 0,2 or 0 2")
    p.add_argument("--imgsz", type=positive_int, help="input size (default: from the model)")
    p.add_argument("--threads", type=positive_int, help="inference threads, on every runtime (default: all cores)")
    p.add_argument("--device", default="cpu", choices=sorted(DEVICES),
                   help="ONNX Runtime execution provider (needs the matching onnxruntime build, e.g. onnxruntime-gpu)")
    p.add_argument("--show", action="store_true", help="show a window (q / Esc quits)")
    p.add_argument("--save", type=Path, help="annotated video (.mp4/.avi/.mkv) or a folder for annotated images")
    p.add_argument("--json", type=json_target, help="JSON lines, one per frame: a file path, or - for stdout")
    p.add_argument("--max-frames", type=positive_int, help="stop after this many frames (default: all)")
    p.add_argument("--reconnects", type=non_negative_int, default=5,
                   help="reopen attempts in the whole run when a live source drops or stalls")
    return p


def run(args, capture_factory=None, camera_class=None) -> int:
    """`detect` with parsed arguments; the number of frames processed."""
    opts = DetectOptions(conf=args.conf, iou=args.iou, classes=flat(args.classes), imgsz=args.imgsz,
                         threads=args.threads, device=args.device, show=args.show, save=args.save, json=args.json,
                         max_frames=args.max_frames, reconnects=args.reconnects)
    return detect(args.source, args.model, opts, capture_factory, camera_class).frames


def main(argv=None) -> int:
    """Entry point of the `detect` command."""
    return run_command(run, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
