"""The points of a speed-accuracy frontier: one trained model exported at several input sizes and with
both heads (`leakyolo export RUN --int8 --imgsz 192 256 320 --head both`). Each point is a normal export
(gates, model card); an INT8 point that fails its gate is left out and named, not fatal."""

from pathlib import Path
from typing import Optional, Sequence, Union

from leakyolo.base.errors import UserError

from .options import ExportOptions

HEADS = {"nms-free": False, "raw": True}  # head name -> export(raw=...)


def heads_of(choice: str) -> list:
    """'nms-free', 'raw' or 'both' -> the head names to export."""
    return list(HEADS) if choice == "both" else [choice]


def check_sizes(weights_or_run, sizes: Sequence[int]) -> None:
    """Every size a multiple of the model's stride, checked before anything is exported (None: the trained size)."""
    from .checkpoint import load_detector, resolve_weights

    weights, _ = resolve_weights(weights_or_run)
    yolo, _ = load_detector(weights)
    stride = int(max(yolo.model.stride))
    bad = [s for s in sizes if s is not None and s % stride]
    if bad:
        near = ", ".join(str(max(stride, s // stride * stride)) for s in bad)
        raise UserError(f"--imgsz {' '.join(map(str, bad))}: not a multiple of the model stride {stride}; "
                        f"use multiples of {stride} (e.g. {near})")


def sweep(weights_or_run: Union[str, Path], sizes: Sequence[int], heads: Sequence[str] = tuple(HEADS),
          opts: Optional[ExportOptions] = None, **changes) -> tuple:
    """Export every (size, head) point with `opts` (INT8 by default; keyword arguments change single fields);
    return (published paths, [(point, why) for INT8 left out])."""
    from .exporter import export

    opts = (opts or ExportOptions(int8=True)).but(int8_required=False, **changes)
    unknown = [h for h in heads if h not in HEADS]
    if unknown:
        raise UserError(f"head {unknown[0]}: choose from {', '.join(HEADS)}")
    check_sizes(weights_or_run, sizes)
    files, left_out = [], []
    for size in sizes:
        for head in heads:
            published = export(weights_or_run, opts.but(imgsz=size, raw=HEADS[head]))
            files += published
            left_out += [(f"{size or 'trained'} px, {head}", why) for why in int8_failures(published)]
    return files, left_out


def int8_failures(published: list) -> list:
    """Why INT8 was not published, from the FP32 cards of an export."""
    from leakyolo.detect.model_file import read_card

    return [card["int8_failure"] for card in map(read_card, published) if card.get("int8_failure")]
