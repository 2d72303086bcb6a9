"""The pipeline's profiles and recipe rows (data), and what each row trains: model, seeds, size, epochs.

Every setting is identical for every model within a profile; measurements behind the choices are in
docs/performance.md.
"""

from leakyolo.base import defaults
from leakyolo.base.defaults import BASELINE, CALIB_IMAGES, IMGSZ, PRODUCT

MODELS = [PRODUCT, "yolo26n-leaky", BASELINE]
DISTILLED, CONVERTED = PRODUCT + defaults.DISTILLED, BASELINE + defaults.CONVERTED
DISTILLED26 = "leakyolo26-n" + defaults.DISTILLED
SMALL_BASELINE = f"{BASELINE}{defaults.TRAINED_AT}256"
# Rows made from another row's trained checkpoint of the same dataset and seed (its hash is a stage input):
# - DISTILLED: LeakYOLO-n with that seed's YOLO26n as teacher (dis 1.5 beat Ultralytics' 6 at the quick budget);
# - DISTILLED26: LeakYOLO26-n the same way (YOLO26n's own layout: aims at the activation's cost at convergence);
# - CONVERTED: that YOLO26n swapped to Leaky ReLU, fine-tuned `epochs` on the fine-tune schedule;
# - SMALL_BASELINE: YOLO26n trained at 256 px (first seed), the fair point near LeakYOLO-n INT8's latency.
RECIPES = {DISTILLED: {"model": PRODUCT, "teacher": BASELINE, "dis": 1.5},
           DISTILLED26: {"model": "leakyolo26-n", "teacher": BASELINE, "dis": 1.5},
           CONVERTED: {"model": BASELINE, "convert": BASELINE, "epochs": 10, "train": defaults.FINE_TUNE},
           SMALL_BASELINE: {"model": BASELINE, "imgsz": 256, "seeds": 1}}
# train: nbs = batch (Ultralytics' nominal batch 64 would take 8x fewer optimizer steps at batch 8: ~2x slower
# learning here). quick: mosaic off and a short warmup (a few minutes per model). sweep: the training size,
# `steps` sizes below it and `up` above it, `step` px apart, both heads, on the first `seeds` seeds (one gated FP32
# + INT8 export per point; on digits at 160 px every model gained 3.1-4.4 points at 192 px, docs/performance.md).
# converged: 2400 train images at 160 px, 60 epochs (9000 SGD steps); YOLO26n ~50 s, LeakYOLO-n ~35 s per epoch
# on one core with nothing else running; measured with other work sharing the cores, ~9.5 h of training with
# --jobs 2 for the 12 trainings (README).
RUNTIMES = ["openvino", "ncnn"]  # files made from the raw-head ONNX files at the training size (docs/runtimes.md)
PROFILES = {
    "quick": {"data": ["digits"], "models": MODELS, "imgsz": 160, "epochs": {"trees": 30, "digits": 16, "shapes": 30},
              "seeds": [0], "sweep": {"step": 32, "steps": 1, "seeds": 1},
              "train": {"batch": 8, "nbs": 8, "mosaic": 0.0, "close_mosaic": 0, "warmup_epochs": 1},
              "bench": {"threads": [1, 2], "warmup": 10, "runs": 100}, "calib_images": CALIB_IMAGES,
              "runtimes": RUNTIMES,
              "note": "quick budget: illustrative, not a comparison (one seed, a few minutes of CPU training "
                      "per model, far from convergence)"},
    "full": {"data": ["trees", "digits"], "models": [PRODUCT, BASELINE, DISTILLED, CONVERTED, SMALL_BASELINE],
             "imgsz": IMGSZ,
             "epochs": {"trees": 30, "digits": 30, "shapes": 100},
             "seeds": [0, 1], "sweep": {"step": 64, "steps": 2, "seeds": 1}, "train": {"batch": 16, "nbs": 16},
             "bench": {"threads": [1, 2], "warmup": 20, "runs": 200}, "calib_images": CALIB_IMAGES,
             "runtimes": RUNTIMES,
             "note": "full budget (trees 30 / digits 30 epochs at 320 px, 2 seeds): same data, epochs, optimizer "
                     "and evaluator for every model; mean ± std over seeds"},
    "converged": {"data": ["digits"], "data_params": {"digits": {"n_images": 3000}},
                  "models": [PRODUCT, "leakyolo26-n", "yolo26n-leaky", BASELINE, DISTILLED26],
                  "imgsz": 160, "epochs": {"digits": 60},
                  "seeds": [0, 1, 2], "sweep": {"step": 32, "steps": 2, "up": 1, "seeds": 3},
                  "train": {"batch": 16, "nbs": 16},
                  "bench": {"threads": [1, 2], "warmup": 20, "runs": 200}, "calib_images": CALIB_IMAGES,
                  "runtimes": RUNTIMES,
                  "note": "60-epoch budget (digits: MNIST digits composed on photos, 2400 train images at 160 px, "
                          "60 epochs, 3 seeds): same data, epochs, optimizer and evaluator for every model; mean ± std "
                          "over seeds; whether each training reached its plateau: 'Training to a plateau'"},
}
# screen: every candidate (models/registry.py) beside LeakYOLO-n and YOLO26n on the converged profile's data and
# size at a third of its epochs, 2 seeds, both heads at 128 and 160 px: ranks levers cheaply (docs/performance.md
# "Screening"); a winner is judged on the converged profile.
CANDIDATES = ["leakyolo-nw", "leakyolo-n-relu", "leakyolo-n-slope001", "yolo26n-leaky", "yolo26n-relu",
              "leakyolo26-nw", "leakyolo26-nd", "leakyolo26-nrep", "leakyolo26-nwrep"]
PROFILES["screen"] = {**PROFILES["converged"], "models": [PRODUCT, "leakyolo26-n", *CANDIDATES, BASELINE],
                      "epochs": {"digits": 20},
                      "seeds": [0, 1], "sweep": {"step": 32, "steps": 1, "up": 1, "seeds": 2},
                      "note": "screening budget (digits: MNIST digits composed on photos, 2400 train images at 160 px, "
                              "20 epochs, 2 seeds): ranks candidates at a third of the converged budget; same data, "
                              "epochs, optimizer and evaluator for every model"}
ARM_CORES = ("cortex-a72", "cortex-a76")


def run_name(dataset: str, model: str, seed: int) -> str:
    """One training's name: its run folder under train/ and, prefixed with train-, its stage."""
    return f"{dataset}-{model}-s{seed}"


def row_imgsz(cfg: dict, model: str) -> int:
    """A row's training (and main export) input size: the profile's, or a recipe's own."""
    return RECIPES.get(model, {}).get("imgsz", cfg["imgsz"])


def row_seeds(cfg: dict, model: str) -> list:
    """The seeds a row trains: the profile's, or a recipe's first few."""
    return cfg["seeds"][:RECIPES.get(model, {}).get("seeds", len(cfg["seeds"]))]


def recipe_epochs(cfg: dict, ds: str, model: str) -> int:
    """A row's training epochs: the profile's, or a recipe's own (a conversion's fine-tune) up to them."""
    return min(RECIPES.get(model, {}).get("epochs", cfg["epochs"][ds]), cfg["epochs"][ds])


def base_model(model: str) -> str:
    """The registered model a pipeline row trains (a recipe's student or converted model)."""
    return RECIPES[model]["model"] if model in RECIPES else model


def source_model(model: str):
    """The row whose trained checkpoint a recipe starts from (its teacher), None for a plain training."""
    recipe = RECIPES.get(model, {})
    return recipe.get("teacher") or recipe.get("convert")


def sweep_sizes(cfg: dict) -> list:
    """The sweep's input sizes, smallest first: the training size, `steps` sizes below it and `up` (default 0)
    above it, `step` px apart (a multiple of the models' stride, 32), none under 64 px."""
    sweep = cfg["sweep"]
    sizes = (cfg["imgsz"] + sweep["step"] * k for k in range(-sweep["steps"], sweep.get("up", 0) + 1))
    return [s for s in sizes if s >= 64]
