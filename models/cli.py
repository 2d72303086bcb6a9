"""`leakyolo models` and `leakyolo train`."""

from leakyolo.base.defaults import IMGSZ
from leakyolo.base.errors import UserError
from leakyolo.base.argtypes import non_negative_int, positive_float, positive_int

from .registry import REGISTRY


def register(sub) -> None:
    """Add the `models` and `train` commands."""
    m = sub.add_parser("models", help="list registered models with params, GFLOPs and activation census")
    m.add_argument("--imgsz", type=positive_int, default=IMGSZ, help="also report GFLOPs at this size")
    m.set_defaults(func=run_models)
    t = sub.add_parser("train", help="train a detector on the Ultralytics trainer",
                       description="Train a registered model, a model YAML or a .pt checkpoint (fine-tuned from its "
                                   "weights) with LeakYOLO's fixed SGD settings; KEY=VALUE arguments pass any other "
                                   "Ultralytics training argument through (checked by Ultralytics' config checker), "
                                   "e.g. lr0=0.005 mosaic=0.5 patience=20.")
    t.add_argument("hyperparameters", nargs="*", metavar="KEY=VALUE", help="Ultralytics training arguments")
    t.add_argument("--model", default="leakyolo-n",
                   help=f"a registered model ({', '.join(REGISTRY)}), a model YAML, or a .pt you trust")
    t.add_argument("--data", help="dataset name (trees, digits, shapes) or data YAML (required unless --resume)")
    t.add_argument("--epochs", type=positive_int, default=50)
    t.add_argument("--imgsz", type=positive_int, default=IMGSZ, help="a multiple of 32 (others are rounded up)")
    t.add_argument("--batch", type=positive_int, default=16)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="cpu", help="cpu, 0 (GPU) or 0,1 (multi-GPU DDP via Ultralytics)")
    t.add_argument("--workers", type=non_negative_int, default=2, help="dataloader workers")
    t.add_argument("--slope", type=float, help="Leaky ReLU negative slope of a Leaky model (default: its own, 0.1)")
    t.add_argument("--project", default="runs/train", help="parent folder of run folders")
    t.add_argument("--name", help="run folder name (default: MODEL-DATAFOLDER, e.g. leakyolo-n-trees-imgsz320)")
    t.add_argument("--resume", help="continue an interrupted run: its folder or weights/last.pt")
    t.add_argument("--teacher", help="distil from this trained detector (run folder or .pt you trust): same classes "
                                     "and head levels; Ultralytics' feature distillation")
    t.add_argument("--dis", type=positive_float, default=6.0, help="distillation loss weight (with --teacher)")
    t.set_defaults(func=run_train)
    c = sub.add_parser("convert", help="a trained SiLU detector -> Leaky ReLU, fine-tuned with the original as teacher",
                       description="Swap every activation of a trained detection checkpoint (yours, yolo26n.pt, "
                                   "yolo11n.pt, one of our runs) to Leaky ReLU keeping all weights, then fine-tune it "
                                   "with the original checkpoint as teacher, at lr0 0.001 without warmup (KEY=VALUE "
                                   "overrides). The result is a run folder that export, "
                                   "eval, bench and detect take. Loading a .pt runs its pickle: use files you trust.")
    c.add_argument("checkpoint", help="a .pt detection checkpoint or a training run folder")
    c.add_argument("hyperparameters", nargs="*", metavar="KEY=VALUE", help="Ultralytics training arguments")
    c.add_argument("--data", required=True, help="dataset name (trees, digits, shapes) or data YAML")
    c.add_argument("--epochs", type=positive_int, default=10, help="fine-tune epochs")
    c.add_argument("--imgsz", type=positive_int, default=IMGSZ)
    c.add_argument("--batch", type=positive_int, default=16)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--device", default="cpu", help="cpu, 0 (GPU) or 0,1")
    c.add_argument("--workers", type=non_negative_int, default=2, help="dataloader workers")
    c.add_argument("--slope", type=float, default=0.1, help="Leaky ReLU negative slope")
    c.add_argument("--dis", type=positive_float, default=6.0, help="distillation loss weight")
    c.add_argument("--project", default="runs/train", help="parent folder of run folders")
    c.add_argument("--name", help="run folder name (default: SOURCE-leaky)")
    c.set_defaults(func=run_convert)


def run_models(args) -> None:
    """Print the model table."""
    from leakyolo.base.offline import import_ultralytics

    import_ultralytics("listing models")
    from ultralytics import YOLO

    from .census import census, params_and_gflops
    from .registry import model_yaml

    print(f"{'model':<20}{'params':>11}{f'GFLOPs@{args.imgsz}':>13}{'GFLOPs@640':>12}  activations (whole model)")
    for name, s in REGISTRY.items():
        model = YOLO(model_yaml(name)).model
        size = params_and_gflops(model, (args.imgsz, 640))
        acts = ", ".join(f"{k} {v}" for k, v in census(model)["total"].items())
        print(f"{name:<20}{size['params']:>11,}{size[f'gflops@{args.imgsz}']:>13.2f}{size['gflops@640']:>12.2f}  {acts}")
        print(f"{'':<20}{s.description}{' (screening candidate)' if s.candidate else ''}")


def options_of(args, hyperparameters: dict):
    """The TrainOptions of a train / convert command line."""
    from .options import TrainOptions

    return TrainOptions(epochs=args.epochs, imgsz=args.imgsz, batch=args.batch, seed=args.seed, device=args.device,
                        workers=args.workers, slope=args.slope, project=args.project, name=args.name, dis=args.dis,
                        hyperparameters=hyperparameters)


def run_train(args) -> None:
    """Train and print the run folder."""
    from .train import hyperparameters, train

    if not (args.data or args.resume):
        raise UserError("train needs --data: a dataset name (trees, digits, shapes) or a data YAML")
    extra = hyperparameters(args.hyperparameters) if args.hyperparameters else {}
    print(train(args.model, args.data, options_of(args, extra).but(teacher=args.teacher), resume=args.resume))


def run_convert(args) -> None:
    """Convert, fine-tune and print the run folder."""
    from .convert import convert
    from .train import hyperparameters

    extra = hyperparameters(args.hyperparameters) if args.hyperparameters else {}
    print(convert(args.checkpoint, args.data, options_of(args, extra)))
