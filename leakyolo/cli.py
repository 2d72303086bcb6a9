"""The `leakyolo` command: one entry point, a subcommand per job."""

import argparse
import sys

from . import __version__
from .base.argtypes import show_defaults
from .base.defaults import RUN_FOLDER
from .base.errors import run
from .pipeline.profiles import PROFILES


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; each package registers its own."""
    from leakyolo.compare import cli as compare_cli
    from leakyolo.datasets import cli as data_cli
    from leakyolo.export import cli as export_cli
    from leakyolo.models import cli as models_cli

    parser = argparse.ArgumentParser(prog="leakyolo", description="LeakYOLO: Leaky-ReLU edge detector toolchain")
    parser.add_argument("--version", action="version", version=f"leakyolo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (data_cli, models_cli, export_cli, compare_cli):
        module.register(sub)
    add_pipeline(sub)
    show_defaults(parser)
    return parser


def add_pipeline(sub) -> None:
    """The main job."""
    p = sub.add_parser("pipeline", help="the main job: data, training, export, eval, bench, report, demo video")
    p.add_argument("--profile", choices=tuple(PROFILES), default="quick",
                   help="quick (~20 min, illustrative), full (~4 h here: 30 epochs, 2 seeds, trees + digits), "
                        "converged (~8 h of training here with --jobs 2: digits, 60 epochs, 3 seeds; the report says whether "
                        "each training plateaued) or "
                        "screen (every candidate model at a third of converged's epochs, 2 seeds: ranks levers)")
    p.add_argument("--data", type=lambda s: s.split(","), help="datasets, comma separated (default: per profile)")
    p.add_argument("--models", type=lambda s: s.split(","),
                   help="comma separated registered models or pipeline recipes (leakyolo-n-distilled, "
                        "leakyolo26-n-distilled: distilled from that seed's yolo26n; yolo26n-converted: yolo26n swapped to Leaky ReLU and fine-tuned); a "
                        "recipe brings its source model. Default: per profile; quick: leakyolo-n,yolo26n-leaky,"
                        "yolo26n, full: leakyolo-n,yolo26n,leakyolo-n-distilled,yolo26n-converted")
    p.add_argument("--imgsz", type=int)
    p.add_argument("--epochs", type=int, help="override the profile's epochs for every dataset")
    p.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], help="e.g. 0,1")
    p.add_argument("--device", default="cpu", help="cpu, 0 or 0,1 (GPU / multi-GPU via Ultralytics)")
    p.add_argument("--out", default=RUN_FOLDER)
    p.add_argument("--jobs", type=int, default=1,
                   help="trainings at a time, each in its own process (on CPU: pinned to its share of the cores)")
    p.add_argument("--train-only", action="store_true",
                   help="stop after training (e.g. on a GPU box); rerun without it to export, bench and report")
    p.set_defaults(func=run_pipeline)


def run_pipeline(args) -> None:
    """Run the main job."""
    from .pipeline import pipeline

    print(pipeline(args.profile, data=args.data, models=args.models, imgsz=args.imgsz, seeds=args.seeds,
                   epochs=args.epochs, device=args.device, out=args.out, train_only=args.train_only,
                   jobs=args.jobs))


def parse(argv=None) -> argparse.Namespace:
    """Parse a command line. KEY=VALUE hyperparameters may stand anywhere, also after options (argparse alone
    gives a positional list only the strings next to the other positionals)."""
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    pairs = [r for r in rest if "=" in r and not r.startswith("-")]
    if rest and (len(pairs) < len(rest) or not hasattr(args, "hyperparameters")):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if pairs:
        args.hyperparameters = [*args.hyperparameters, *pairs]
    return args


def main(argv=None) -> int:
    """Entry point of `leakyolo`."""
    args = parse(argv)
    return run(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
