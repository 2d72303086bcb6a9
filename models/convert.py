"""`leakyolo convert`: a trained SiLU detector (yolo26n.pt, yolo11n.pt, one of our runs) to Leaky ReLU,
keeping every weight, then fine-tuned with the original checkpoint as its teacher. The result is a normal
run folder that export, eval, bench and detect take."""

from pathlib import Path
from typing import Optional, Union

from leakyolo.base.defaults import CONVERTED, FINE_TUNE
from leakyolo.base.offline import import_ultralytics

from .options import TrainOptions
from .registry import DEFAULT_SLOPE
from .teacher import checkpoint_of, to_leaky
from .train import train

DEFAULT_EPOCHS = 10  # with FINE_TUNE, digits at 320 px gained under a point after epoch 8 (docs/performance.md)


def convert(checkpoint: Union[str, Path], data: str, opts: Optional[TrainOptions] = None, **changes) -> Path:
    """Swap every activation of `checkpoint` (a .pt or run folder) to Leaky ReLU(opts.slope), then fine-tune it
    (DEFAULT_EPOCHS unless set) on `data` distilled from the original, with the fine-tune schedule FINE_TUNE
    unless the hyperparameters set it; return the run folder (run.json and the model cards name the source
    checkpoint and its sha256)."""
    import_ultralytics("convert")
    opts = (opts or TrainOptions(epochs=DEFAULT_EPOCHS)).but(**changes)
    source = checkpoint_of(checkpoint)
    run_name = opts.name or f"{source.parent.parent.name if source.parent.name == 'weights' else source.stem}-leaky"
    swapped = Path(opts.project).resolve() / f".{run_name}-swapped.pt"
    facts = to_leaky(source, swapped, DEFAULT_SLOPE if opts.slope is None else opts.slope)
    try:
        return train(str(swapped), data, opts.but(
            name=run_name, teacher=source, hyperparameters={**FINE_TUNE, **opts.hyperparameters},
            record_extra={**opts.record_extra, "model": facts["model"] + CONVERTED, "converted_from": facts,
                          "activation": facts["activation"]}))
    finally:
        swapped.unlink(missing_ok=True)
