"""Registered model names -> the model YAML handed to Ultralytics. A variant is one line: a YAML, a scale and an
activation string (resolved here, in one place, into the YAML's `activation`).

- `leakyolo-n`, `leakyolo-s`: models/leakyolo.yaml at a scale (all activations Leaky ReLU).
- `yolo26n`, `yolo26s`: Ultralytics' own YOLO26 YAML, unchanged (SiLU): the baseline.
- `yolo26n-leaky`: Ultralytics' YOLO26n with only the activation swapped: the ablation that
  separates "activation" from "architecture".
- `leakyolo26-n`: YOLO26n's layout with Leaky ReLU and without its attention (models/leakyolo26.yaml); the
  screening's front-mover, a family member since 2026-12-05.
- screening candidates (`candidate=True`, docs/performance.md "Screening"): levers on LeakYOLO-n (width, the Leaky
  slope, ReLU, which ONNX Runtime's QDQ INT8 folds into the convolution), YOLO26n's architecture with a
  piecewise-linear activation, and a wider, a deeper, a re-parameterised (RepC3) and a wider re-parameterised
  LeakYOLO26; a candidate joins the family only by the screening's measurements.
"""

from dataclasses import dataclass
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.paths import cache_dir
from leakyolo.base.provenance import atomic_write_bytes, sha256_file

HERE = Path(__file__).resolve().parent
DEFAULT_SLOPE = 0.1
LEAKY = f"nn.LeakyReLU({DEFAULT_SLOPE})"


@dataclass(frozen=True)
class ModelSpec:
    """How to build one registered model."""

    yaml: str  # our YAML file name in models/, or an Ultralytics config name
    scale: str  # one of the YAML's scales
    ours: bool  # True: models/<yaml>; False: Ultralytics' packaged config
    description: str
    activation: str = LEAKY  # every activation (a torch.nn expression); "" keeps the YAML's own (YOLO26: SiLU)
    candidate: bool = False  # a screening candidate, not (yet) a member of the family

    @property
    def leaky(self) -> bool:
        return self.activation.startswith("nn.LeakyReLU")

    def act(self, slope=None) -> str:
        """The activation expression, a Leaky model's slope replaced by `slope` when one is given."""
        return f"nn.LeakyReLU({slope})" if self.leaky and slope is not None else self.activation


REGISTRY = {
    "leakyolo-n": ModelSpec("leakyolo.yaml", "n", True, "LeakYOLO nano: Leaky ReLU, dense CSP, NMS-free head"),
    "leakyolo-s": ModelSpec("leakyolo.yaml", "s", True, "LeakYOLO small"),
    "yolo26n": ModelSpec("yolo26.yaml", "n", False, "Ultralytics YOLO26n, SiLU (baseline, unchanged)", ""),
    "yolo26s": ModelSpec("yolo26.yaml", "s", False, "Ultralytics YOLO26s, SiLU (baseline, unchanged)", ""),
    "yolo26n-leaky": ModelSpec("yolo26.yaml", "n", False, "YOLO26n with only the activation -> Leaky ReLU"),
    "leakyolo26-n": ModelSpec("leakyolo26.yaml", "n", True, "YOLO26n's layout, Leaky ReLU, its attention removed"),
    # screening candidates
    "leakyolo-nw": ModelSpec("leakyolo.yaml", "nw", True, "LeakYOLO nano, 1.5x wider (width 0.375)", candidate=True),
    "leakyolo-n-relu": ModelSpec("leakyolo.yaml", "n", True, "LeakYOLO nano with ReLU (folded into INT8 convs)",
                                 "nn.ReLU()", candidate=True),
    "leakyolo-n-slope001": ModelSpec("leakyolo.yaml", "n", True, "LeakYOLO nano, Leaky slope 0.01",
                                     "nn.LeakyReLU(0.01)", candidate=True),
    "leakyolo26-nw": ModelSpec("leakyolo26.yaml", "nw", True, "LeakYOLO26 nano, 1.5x wider (width 0.375)",
                               candidate=True),
    "leakyolo26-nd": ModelSpec("leakyolo26.yaml", "nd", True, "LeakYOLO26 nano, twice the C3k2 repeats (depth 1.0)",
                               candidate=True),
    "leakyolo26-nrep": ModelSpec("leakyolo26rep.yaml", "n", True, "LeakYOLO26 nano with RepC3 blocks (3x3 + 1x1 "
                                 "branches while training, one 3x3 when deployed)", candidate=True),
    "leakyolo26-nwrep": ModelSpec("leakyolo26rep.yaml", "nw", True, "LeakYOLO26-nrep 1.5x wider (width 0.375)",
                                  candidate=True),
    "yolo26n-relu": ModelSpec("yolo26.yaml", "n", False, "YOLO26n with only the activation -> ReLU (keeps its "
                              "attention block)", "nn.ReLU()", candidate=True),
}


def spec(name: str) -> ModelSpec:
    """The registered spec, or a one-line error listing the names."""
    if name not in REGISTRY:
        raise UserError(f"unknown model '{name}': registered models are {', '.join(REGISTRY)}")
    return REGISTRY[name]


def _yaml():
    """PyYAML, which comes with the [train] extra (models are built on the training side)."""
    from leakyolo.base.offline import import_ultralytics

    import_ultralytics("building models")
    import yaml

    return yaml


def model_yaml(name: str, slope=None) -> str:
    """Path (or Ultralytics config name) of the YAML that builds `name` (slope: a Leaky model's, default its own).

    Our models and activation swaps are written once to the cache as standalone YAMLs whose file
    names carry the scale, so Ultralytics' trainer (including its multi-GPU DDP subprocess) can
    rebuild them from the path alone.
    """
    s = spec(name)
    yaml = _yaml()  # configures offline Ultralytics, or names the missing [train] extra
    if not s.ours and not s.activation:
        return f"{name}.yaml"  # Ultralytics' packaged YAML, resolved locally (a .yaml never downloads)
    if s.ours:
        cfg = yaml.safe_load((HERE / s.yaml).read_text())
        depth, width, _max_channels = cfg.pop("scales")[s.scale]  # no layer exceeds max_channels
        cfg.update(depth_multiple=depth, width_multiple=width)
    else:
        from ultralytics.utils.checks import check_yaml

        cfg = yaml.safe_load(Path(check_yaml(s.yaml)).read_text())
    if s.activation:
        cfg["activation"] = s.act(slope)
    # Ultralytics guesses the scale from the file name (yolo26n-leaky -> n); ours has no scales left.
    stem = name if s.act(slope) == s.activation else f"{name}-slope{slope}"
    path = cache_dir("models", scratch=True) / f"{stem}.yaml"
    text = f"# {s.description}; generated by leakyolo.models.registry from {s.yaml}\n"
    text += yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None)
    if not path.exists() or path.read_text() != text:
        atomic_write_bytes(path, text.encode())
    return str(path)


def model_digest(name: str) -> str:
    """sha256 of the YAML that builds `name`: the pipeline retrains a model whose definition changed."""
    s = spec(name)
    if s.ours or s.activation:
        return sha256_file(model_yaml(name))
    from ultralytics.utils.checks import check_yaml

    return sha256_file(check_yaml(s.yaml))  # Ultralytics' packaged config, shared by its scales
