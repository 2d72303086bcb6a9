"""One options namespace for an export (as Ultralytics' `cfg`): what `leakyolo export`, the sweep and the
pipeline pass down to the exporter, the INT8 calibration and the gates, instead of long parameter lists."""

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from leakyolo.base.defaults import CALIB_IMAGES
from leakyolo.base.options import changed


@dataclass(frozen=True)
class ExportOptions:
    """How to export one checkpoint. Files are named NAME-IMGSZ[-raw]-{fp32,int8}.onnx."""

    imgsz: Optional[int] = None  # None: the size the checkpoint was trained at
    raw: bool = False  # the one-to-many head's raw output (detect runs NMS) instead of the NMS-free head
    int8: bool = False  # also write an accuracy-gated INT8 (QDQ) file
    int8_required: bool = True  # False: an INT8 that fails its gate is named in the FP32 card, not fatal
    calib_data: Optional[str] = None  # calibration and gate data (default: the run's dataset)
    calib_images: int = CALIB_IMAGES
    calib_method: str = "auto"  # auto: minmax, then percentile, then entropy until the gate passes
    types: str = "u8s8"  # INT8 activation / weight types (u8s7 on x86 without VNNI)
    exclude_head: bool = True  # keep the head's decode float
    seed: int = 0  # calibration sample
    max_drop: float = 1.5  # largest INT8 mAP50-95 drop allowed, in points
    skip_gates: bool = False  # no parity / accuracy gates (smoke tests only)
    with_ultralytics: bool = False  # also Ultralytics' own files for each format (export/baselines.py), for reports
    formats: tuple = ("onnx",)  # also "openvino", "ncnn": files made from the ONNX ones (always written)
    out: Optional[Union[str, Path]] = None  # default: RUN/onnx
    name: Optional[str] = None  # file name prefix (default: the run's model name)

    def but(self, **changes) -> "ExportOptions":
        """A copy with some fields changed; an unknown field is a one-line error."""
        return changed(self, changes)
