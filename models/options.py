"""One options namespace for a training (as Ultralytics' `cfg`): what `leakyolo train`, `convert` and the
pipeline pass to `train`, instead of long parameter lists."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from leakyolo.base.defaults import IMGSZ
from leakyolo.base.options import changed

from .teacher import DEFAULT_DIS


@dataclass(frozen=True)
class TrainOptions:
    """How to train one model. `hyperparameters` passes any other Ultralytics training argument through."""

    epochs: int = 50
    imgsz: int = IMGSZ
    batch: int = 16
    seed: int = 0
    device: str = "cpu"
    workers: int = 2
    slope: Optional[float] = None  # Leaky ReLU negative slope of a Leaky model (None: the model's own)
    project: Union[str, Path] = "runs/train"
    name: Optional[str] = None
    teacher: Optional[Union[str, Path]] = None  # a run folder or .pt: feature distillation with weight `dis`
    dis: float = DEFAULT_DIS
    record_extra: dict = field(default_factory=dict)  # extra facts for run.json (convert: its source)
    callbacks: dict = field(default_factory=dict)  # Ultralytics callback event -> extra function
    hyperparameters: dict = field(default_factory=dict)

    def but(self, **changes) -> "TrainOptions":
        """A copy with some fields changed; other keys are Ultralytics hyperparameters."""
        return changed(self, changes, rest="hyperparameters")
