"""What an exported LeakYOLO ONNX file is: input size, output format, head node names, file names,
model card. The one home of these facts; export writes them, detect and compare read them."""

import json
import re
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file

END2END, RAW = "end2end", "raw"
MAX_IMGSZ = 4096  # largest input side detect and bench run at (8192 px would allocate gigabytes per frame)
END2END_COLUMNS = 6  # x1, y1, x2, y2, score, class
HEAD_LAYER = re.compile(r"^/model\.(\d+)/")  # exported node names: /model.<layer index>/...; the last is Detect


def file_name(name: str, imgsz: int, raw: bool, precision: str) -> str:
    """NAME-IMGSZ[-raw]-PRECISION.onnx, e.g. leakyolo-n-s0-320-int8.onnx."""
    return f"{name}-{imgsz}{'-raw' if raw else ''}-{precision}.onnx"


def check_input(path, inputs: list) -> None:
    """One float32 image input [1, 3, H, W] (batch and size may be dynamic), else one line naming the file."""
    if len(inputs) != 1:
        raise UserError(f"{path}: {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); a detector takes one "
                        f"image [1, 3, H, W]: export it with `leakyolo export`")
    shape, kind = inputs[0].shape, inputs[0].type
    if len(shape) != 4 or shape[1] not in (3, "3"):
        raise UserError(f"{path}: not an image detector (input shape {shape}, expected [1, 3, H, W])")
    if kind != "tensor(float)":
        raise UserError(f"{path}: input is {kind}, not float32; export it with a float32 input (leakyolo export "
                        f"keeps one, also for INT8)")
    if isinstance(shape[0], int) and shape[0] != 1:
        raise UserError(f"{path}: input batch {shape[0]}; detect and bench run one frame at a time: export it with "
                        f"batch 1")


def metadata_size(path, value):
    """The 'imgsz' metadata as (h, w), None if absent; anything but one or two sizes of 1-MAX_IMGSZ px is an error."""
    if value is None:
        return None
    sizes = [value] if isinstance(value, int) else list(value) if isinstance(value, (list, tuple)) else []
    if not 1 <= len(sizes) <= 2 or not all(type(s) is int and 1 <= s <= MAX_IMGSZ for s in sizes):
        raise UserError(f"{path}: metadata imgsz {value!r} is not a size of 1-{MAX_IMGSZ} px; re-export the model")
    return sizes[0], sizes[-1]


def class_names(path, names) -> dict:
    """The 'names' metadata as {class id: name}; missing or with keys that are not ids, one line naming the file."""
    if not isinstance(names, dict) or not names:
        raise UserError(f"{path}: missing 'names' metadata; export the model with `leakyolo export`")
    try:
        return {int(k): str(v) for k, v in names.items()}
    except (TypeError, ValueError):
        raise UserError(f"{path}: metadata names has keys that are not class ids ({list(names)[:3]}); "
                        f"re-export the model") from None


def input_size(path, metadata_imgsz, input_shape, imgsz=None) -> tuple:
    """(h, w) to run a file at: the asked size (1-MAX_IMGSZ px), else its metadata, else its static input shape.

    A size the file cannot take (its input is fixed at another size) is refused.
    """
    if imgsz is not None and not 1 <= int(imgsz) <= MAX_IMGSZ:
        raise UserError(f"--imgsz {imgsz}: must be 1-{MAX_IMGSZ} px")
    size = imgsz or metadata_size(path, metadata_imgsz)
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
