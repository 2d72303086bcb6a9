"""What an exported LeakYOLO ONNX file is: input size, output format, head node names, file names,
model card. The one home of these facts; export writes them, detect and compare read them."""

import json
import re
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file

END2END, RAW = "end2end", "raw"
END2END_COLUMNS = 6  # x1, y1, x2, y2, score, class
HEAD_LAYER = re.compile(r"^/model\.(\d+)/")  # exported node names: /model.<layer index>/...; the last is Detect


def file_name(name: str, imgsz: int, raw: bool, precision: str) -> str:
    """NAME-IMGSZ[-raw]-PRECISION.onnx, e.g. leakyolo-n-s0-320-int8.onnx."""
    return f"{name}-{imgsz}{'-raw' if raw else ''}-{precision}.onnx"


def input_size(path, metadata_imgsz, input_shape, imgsz=None) -> tuple:
    """(h, w) to run a file at: the asked size, else its metadata, else its static input shape.

    A size the file cannot take (its input is fixed at another size) is refused.
    """
    size = imgsz or metadata_imgsz
    fixed = list(input_shape[2:])
    static = len(fixed) == 2 and all(isinstance(d, int) for d in fixed)
    if size is None and static:
        size = fixed
    if size is None:
        raise UserError(f"{path}: no 'imgsz' metadata and a dynamic input; pass --imgsz")
    size = (int(size), int(size)) if isinstance(size, (int, float)) else tuple(int(s) for s in size)
    if static and tuple(fixed) != size:
        raise UserError(f"{path}: model input is fixed at {fixed[0]}x{fixed[1]}, cannot run at "
                        f"{size[0]}x{size[1]}; re-export it at that size (leakyolo export --imgsz)")
    return size


def output_format(path, output_shapes: list, classes: int) -> str:
    """END2END for [1, N, 6] (NMS-free), RAW for [1, 4 + classes, anchors] (needs NMS)."""
    if len(output_shapes) != 1 or len(output_shapes[0]) != 3:
        raise UserError(f"{path}: not a YOLO detector (outputs {output_shapes})")
    out = output_shapes[0]
    if is_end2end(out):
        return END2END
    if isinstance(out[1], int) and out[1] == 4 + classes:
        return RAW
    raise UserError(f"{path}: output shape {out} is neither [1, N, 6] nor [1, 4+{classes}, anchors]")


def is_end2end(output) -> bool:
    """Whether an output array (or shape) is the NMS-free [1, N, 6] format."""
    return tuple(getattr(output, "shape", output))[-1] == END2END_COLUMNS


def head_prefix(node_names) -> str:
    """'/model.<last layer>/': the Detect module's node-name prefix ('' for a graph without such names)."""
    layers = [int(m.group(1)) for n in node_names if (m := HEAD_LAYER.match(n))]
    return f"/model.{max(layers)}/" if layers else ""


def read_card(path) -> dict:
    """The model card beside an ONNX file ({} if none), checked against the file's hash."""
    path = Path(path)
    card_path = path.with_suffix(".json")
    if not card_path.is_file():
        return {}
    try:
        card = json.loads(card_path.read_text())
    except (OSError, ValueError) as e:
        raise UserError(f"{card_path}: unreadable model card ({type(e).__name__}); re-export the model") from None
    if card.get("sha256") and card["sha256"] != sha256_file(path):
        raise UserError(f"{path}: sha256 no longer matches its model card {card_path.name}; re-export the model")
    return card
