"""`leakyolo bench`, `leakyolo eval`, `leakyolo report`."""

import sys
from pathlib import Path

from leakyolo.base.argtypes import non_negative_int, output_file, output_folder, positive_int, positive_int_list


def register(sub) -> None:
    """Add the compare commands."""
    b = sub.add_parser("bench", help="latency of ONNX models (base install only: runs on a Raspberry Pi)")
    b.add_argument("models", nargs="+", type=Path, help="ONNX files (model cards beside them are read if present)")
    b.add_argument("--threads", type=positive_int_list, default="1", help="thread counts, e.g. 1,2")
    b.add_argument("--warmup", type=non_negative_int, default=20, help="untimed runs first")
    b.add_argument("--runs", type=positive_int, default=200, help="timed runs per model")
    b.add_argument("--image", type=Path, help="a real image for the end-to-end timing (default: fixed random frame)")
    b.add_argument("--label", help="machine label in reports (default: arch + CPU model)")
    b.add_argument("--no-peak", action="store_true", help="skip measuring the int8 / fp32 GEMM peaks")
    b.add_argument("--out", type=output_file, default="results/bench.json", help="result JSON")
    b.set_defaults(func=run_bench)
    e = sub.add_parser("eval", help="mAP of exported models (ONNX, OpenVINO, NCNN) on a dataset's val split "
                                    "(one evaluator for all)")
    e.add_argument("models", nargs="+", type=Path)
    e.add_argument("--data", required=True, help="dataset name or data YAML")
    e.add_argument("--imgsz", type=positive_int, help="default: from each model's metadata")
    e.add_argument("--out", type=output_file, default="results/eval.json", help="result JSON")
    e.set_defaults(func=run_eval)
    a = sub.add_parser("arm", help="run models on emulated ARM cores (qemu): output parity and instruction counts")
    a.add_argument("models", nargs="+", type=Path)
    a.add_argument("--cores", type=lambda s: s.split(","), default=["cortex-a72", "cortex-a76"],
                   help="emulated cores, comma separated (cortex-a72, cortex-a76)")
    a.add_argument("--image", type=Path, help="input image (default: a fixed random frame)")
    a.add_argument("--no-count", action="store_true", help="parity only, skip instruction counting")
    a.add_argument("--out", type=output_file, default="results/arm.json", help="result JSON")
    a.set_defaults(func=run_arm)
    r = sub.add_parser("report", help="merge bench/eval JSON from any machines into report.md and report.html")
    r.add_argument("results", nargs="+", type=Path)
    r.add_argument("--out", type=output_folder, default="reports/latest", help="report folder")
    r.add_argument("--title", default="LeakYOLO comparison")
    r.add_argument("--note", default="", help="a banner under the title (e.g. the training budget)")
    r.add_argument("--readme", type=Path, help="also write the headline tables between this README's "
                                                 "'<!-- leakyolo report: begin/end -->' lines")
    r.add_argument("--relative-to", type=Path, help="run folder that paths in the report are relative to "
                                                     "(default: the folder above the first result file's folder)")
    r.set_defaults(func=run_report)


def run_bench(args) -> None:
    """Benchmark and save."""
    from leakyolo.detect.bench import bench, save

    print(save(bench(args.models, args.threads, args.warmup, args.runs, args.image, args.label, peaks=not args.no_peak),
               args.out))


def run_eval(args) -> None:
    """Evaluate and save."""
    from leakyolo.base.provenance import write_json

    from .evaluate import evaluate

    print(write_json(args.out, evaluate(args.models, args.data, args.imgsz)))


def run_arm(args) -> None:
    """Emulated ARM check and save."""
    from leakyolo.base.errors import UserError
    from leakyolo.base.provenance import write_json

    from .arm import CORES, arm_check, failures, flagged

    unknown = [c for c in args.cores if c not in CORES]
    if unknown:
        raise UserError(f"unknown core {', '.join(unknown)}: choose from {', '.join(CORES)}")
    record = arm_check(args.models, args.cores, args.image, not args.no_count)
    print(write_json(args.out, record))
    unchecked = flagged(record, "not compared")
    if unchecked:
        print(f"warning: parity not compared for {', '.join(unchecked)}: no output scored detect's threshold on the "
              "input; pass --image with objects in it", file=sys.stderr)
    failed = failures(record)
    if failed:
        raise UserError(f"emulated ARM outputs differ from the model's reference outputs for {', '.join(failed)}")


def run_report(args) -> None:
    """Render the report."""
    from .report import report

    print(report(args.results, args.out, args.title, args.note, args.readme, args.relative_to))
