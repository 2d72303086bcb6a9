"""`leakyolo export`."""


from leakyolo.base.argtypes import flat, non_negative_float, output_folder, positive_int, positive_int_list
from leakyolo.base.defaults import CALIB_IMAGES

from .sweep import HEADS, heads_of


def format_list(text: str) -> list:
    """`--format`: one or more of FORMATS, comma-separated."""
    import argparse

    from .targets import FORMATS

    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{text!r}: choose from {', '.join(FORMATS)}")
    return names


def register(sub) -> None:
    """Add the `export` command."""
    p = sub.add_parser("export", help="export a trained model to ONNX (FP32, INT8) with gates and model cards",
                       description="Export a trained detector to ONNX (FP32, optionally INT8), gated, with model "
                                   "cards. Loading a .pt checkpoint runs its pickled code, as torch and Ultralytics "
                                   "do: export only checkpoints you trust. detect, bench and eval read the exported files only.")
    p.add_argument("weights", help="a training run folder or a .pt checkpoint (one you trust: loading runs its pickle); "
                                   "or an exported .onnx file, to make only its --format files from it")
    p.add_argument("--imgsz", type=positive_int_list, nargs="+",
                   help="input size, or several (192 256 320 or 192,256,320: a speed-accuracy sweep, one file set per "
                        "size; an INT8 gate that fails at one size is reported, not fatal). Default: the size the "
                        "checkpoint was trained at")
    p.add_argument("--int8", action="store_true", help="also write an INT8 (QDQ) model, accuracy-gated")
    p.add_argument("--calib-data", help="dataset name or YAML for calibration and gates (default: the run's)")
    p.add_argument("--calib-images", type=positive_int, default=CALIB_IMAGES, help="calibration images from the train split")
    p.add_argument("--calib-method", choices=("auto", "minmax", "entropy", "percentile"), default="auto",
                   help="auto: minmax, then percentile, then entropy until the accuracy gate passes")
    p.add_argument("--types", choices=("u8s8", "u8s7", "s8s8"), default="u8s8",
                   help="INT8 activation/weight types: u8s8 is exact and fast on ARM and x86 VNNI; u8s7 (7-bit "
                        "weights) for x86 CPUs without VNNI, whose u8s8 kernels saturate (see docs)")
    p.add_argument("--head", choices=(*HEADS, "both"), default="nms-free",
                   help="nms-free: [1, 300, 6] boxes; raw: the one-to-many head's [1, 4+nc, anchors] output, which "
                        "detect runs NMS on (often more accurate at short training budgets); both: one file set each")
    p.add_argument("--raw", action="store_const", const="raw", dest="head", help="the same as --head raw")
    p.add_argument("--max-drop", type=non_negative_float, default=1.5, help="largest INT8 mAP50-95 drop allowed, in points")
    p.add_argument("--ultralytics", action="store_true",
                   help="also write the files Ultralytics' own exporter makes for each --format, the baselines for "
                        "reports: ONNX INT8 (quantize=8), OpenVINO FP32 and INT8 (NNCF), NCNN FP32")
    p.add_argument("--format", nargs="+", type=format_list, metavar="FORMAT",
                   help="onnx (always written), openvino (FP32 and INT8 IR), ncnn (FP32 and INT8, raw head): several at "
                        "once as openvino ncnn or onnx,openvino; each file is gated like INT8 (docs/runtimes.md)")
    p.add_argument("--skip-gates", action="store_true", help="no parity/accuracy gates (smoke tests only)")
    p.add_argument("--out", type=output_folder, help="output folder (default: RUN/onnx)")
    p.set_defaults(func=run)


def run(args) -> None:
    """Export (one point, or a sweep of sizes x heads) and print the files written."""
    import sys

    from .exporter import export
    from .options import ExportOptions
    from .sweep import sweep

    if str(args.weights).endswith(".onnx"):  # an exported file: make the other runtimes' files from it
        from .targets import convert

        for path in convert([args.weights], tuple(flat(args.format or [])), args.max_drop, not args.skip_gates):
            print(path)
        return
    sizes, heads = flat(args.imgsz) or [None], heads_of(args.head)
    opts = ExportOptions(int8=args.int8, calib_data=args.calib_data, calib_images=args.calib_images,
                         calib_method=args.calib_method, types=args.types, out=args.out, max_drop=args.max_drop,
                         skip_gates=args.skip_gates, with_ultralytics=args.ultralytics,
                         formats=tuple(dict.fromkeys(["onnx", *flat(args.format or [])])))
    if len(sizes) * len(heads) == 1:
        files, left_out = export(args.weights, opts.but(imgsz=sizes[0], raw=HEADS[heads[0]])), []
    else:
        files, left_out = sweep(args.weights, sizes, heads, opts)
    for path in files:
        print(path)
    for point, why in left_out:
        print(f"export: no INT8 at {point}: {why}", file=sys.stderr)
