"""`leakyolo convert`: a trained SiLU detector (yolo26n.pt, yolo11n.pt, one of our runs) to Leaky ReLU,
keeping every weight, then fine-tuned with the original checkpoint as its teacher. The result is a normal
run folder that export, eval, bench and detect take."""

from pathlib import Path
from typing import Optional, Union

from leakyolo.base.defaults import CONVERTED, FINE_TUNE, IMGSZ
from leakyolo.base.offline import import_ultralytics

from .teacher import DEFAULT_DIS, checkpoint_of, to_leaky
from .train import train

DEFAULT_EPOCHS = 10  # with FINE_TUNE, digits at 320 px gained under a point after epoch 8 (docs/performance.md)


def convert(checkpoint: Union[str, Path], data: str, epochs: int = DEFAULT_EPOCHS, imgsz: int = IMGSZ,
            slope: float = 0.1, dis: float = DEFAULT_DIS, project: Union[str, Path] = "runs/train",
            name: Optional[str] = None, **train_args) -> Path:
    """Swap every activation of `checkpoint` (a .pt or run folder) to Leaky ReLU(slope), then fine-tune it
    `epochs` epochs on `data` distilled from the original, with the fine-tune schedule FINE_TUNE unless
    `train_args` set it; return the run folder (run.json and the model cards name the source checkpoint
    and its sha256)."""
    import_ultralytics("convert")
    source = checkpoint_of(checkpoint)
    run_name = name or f"{source.parent.parent.name if source.parent.name == 'weights' else source.stem}-leaky"
    swapped = Path(project).resolve() / f".{run_name}-swapped.pt"
    facts = to_leaky(source, swapped, slope)
    try:
        return train(str(swapped), data, epochs=epochs, imgsz=imgsz, project=project, name=run_name,
                     teacher=source, dis=dis, record_extra={"model": facts["model"] + CONVERTED,
                                                            "converted_from": facts,
                                                            "activation": facts["activation"]},
                     **{**FINE_TUNE, **train_args})
    finally:
        swapped.unlink(missing_ok=True)
