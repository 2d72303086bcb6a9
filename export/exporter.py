"""`leakyolo export`: FP32 ONNX (+ INT8, + OpenVINO / NCNN files made from them) with gates and model cards,
published atomically."""

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Optional, Union

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file
from leakyolo.detect.model_file import file_name

from .calibration import calibrate, sample_images
from .card import card
from .checkpoint import load_detector, resolve_weights
from .gates import GateError, accuracy_gate, check_onnx, onnx_map, parity_gate
from .baselines import baseline_cards
from .onnx_fp32 import export_fp32
from .options import ExportOptions
from .staging import log, publish
from .staging import staging as staging_folder
from .targets import runtime_cards

PARITY_IMAGES = 4


@dataclass
class Source:
    """What is being exported: checkpoint, its run record, the loaded model, data for gates, file naming."""

    weights: Path
    record: dict
    yolo: object
    model: str  # the model's name (card)
    name: str  # file name prefix
    data: str
    imgsz: int
    raw: bool

    @cached_property
    def facts(self) -> dict:
        """Where the model came from (model card); the weights are hashed once per export."""
        keep = ("model", "activation", "census", "params", "gflops@640", "dataset", "seed", "epochs", "imgsz",
                "teacher", "converted_from", "wall_seconds")
        return {"weights": str(self.weights), "weights_sha256": sha256_file(self.weights),
                "run": {k: self.record[k] for k in keep if k in self.record}, "lineage": self.lineage()}

    def lineage(self) -> str:
        """'distilled from ...' / 'converted from ...' (card and ONNX metadata), '' for a plain training."""
        parts = [f"{verb} {self.record[key]['model']} (sha256 {self.record[key]['sha256'][:12]})"
                 for key, verb in (("converted_from", "converted to Leaky ReLU from"), ("teacher", "distilled from"))
                 if key in self.record]
        return "; ".join(parts)

    def file(self, folder: Path, precision: str) -> Path:
        """The path of one precision's file in folder."""
        return folder / file_name(self.name, self.imgsz, self.raw, precision)


def open_source(weights_or_run, opts: ExportOptions) -> Source:
    """Load the checkpoint and settle the dataset used for calibration and gates."""
    from leakyolo.datasets import resolve_data

    weights, record = resolve_weights(weights_or_run)
    yolo, imgsz = load_detector(weights, opts.imgsz)
    model = record.get("model") or opts.name or weights.stem
    data = opts.calib_data or record.get("dataset", {}).get("yaml")
    if data is None and (opts.int8 or not opts.skip_gates):
        raise UserError("no dataset known for this checkpoint: pass --calib-data NAME|YAML (calibration and gates)")
    return Source(weights, record, yolo, model, opts.name or model, resolve_data(data) if data else None, imgsz,
                  opts.raw)


def add_metadata(path: Path, **props) -> None:
    """Extra metadata_props in an ONNX file (INT8 files made from it copy them)."""
    import onnx

    model = onnx.load(str(path))
    for key, value in props.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))


def fp32_file(src: Source, staging: Path, skip_gates: bool) -> tuple:
    """(path, card, accuracy) of the FP32 export, parity-gated against PyTorch."""
    log(f"{src.model}: FP32 ONNX at {src.imgsz} ({'raw' if src.raw else 'NMS-free end2end'} output)")
    path = export_fp32(src.weights, src.imgsz, src.raw, src.file(staging, "fp32"))
    if src.lineage():
        add_metadata(path, lineage=src.lineage())
    check_onnx(path)
    accuracy, gates = None, {"skipped": True}
    if not skip_gates:
        log("gate: FP32 parity with PyTorch")
        parity = parity_gate(src.yolo, path, sample_images(src.data, PARITY_IMAGES), (src.imgsz,) * 2, src.raw)
        gates = {"checker": "passed", "parity": parity}
        log("accuracy: FP32 ONNX on the val split")
        accuracy = onnx_map(path, src.data, src.imgsz)
    return path, card(path, model=src.model, precision="fp32", source=src.facts, gates=gates,
                      accuracy=accuracy), accuracy


def int8_file(src: Source, fp32: Path, fp32_acc, staging: Path, opts: ExportOptions) -> tuple:
    """(path, card, failure) of the INT8 export; (None, None, why) when no calibration passed and it is not
    required."""
    from leakyolo.datasets import dataset_identity

    dest = src.file(staging, "int8")
    gated = fp32_acc is not None
    result = calibrate(fp32, dest, sample_images(src.data, opts.calib_images, opts.seed), (src.imgsz,) * 2, opts,
                       measure=(lambda p: onnx_map(p, src.data, src.imgsz)) if gated else None,
                       gate=lambda acc: accuracy_gate(fp32_acc, acc, opts.max_drop, dest.name), log=log)
    if result.failure:
        if opts.int8_required:
            raise GateError(result.failure)
        log(f"INT8 not published: {result.failure}")
        return None, None, result.failure
    calibration = {**dataset_identity(src.data), "split": "train", "seed": opts.seed,
                   "preprocessing": "letterbox (leakyolo.detect.preprocess)"}
    return dest, card(dest, model=src.model, precision="int8", source=src.facts, quantization=result.settings,
                      calibration=calibration, gates=result.gates, accuracy=result.accuracy), ""


def export(weights_or_run: Union[str, Path], opts: Optional[ExportOptions] = None, **changes) -> list:
    """Export a checkpoint with `opts` (ExportOptions; keyword arguments change single fields:
    `export(run, int8=True)`); return the published paths (ONNX files, OpenVINO / NCNN folders), each with a .json
    model card beside it.

    An INT8 model that fails its gate is never written; with int8_required=False the FP32 model is
    still published and its card says why there is no INT8 (the pipeline and sweeps use this so one
    model's or one size's INT8 cannot stop a comparison).
    """
    opts = (opts or ExportOptions()).but(**changes)
    src = open_source(weights_or_run, opts)
    out = Path(opts.out) if opts.out else (src.weights.parent.parent / "onnx" if src.record else src.weights.parent)
    out.mkdir(parents=True, exist_ok=True)
    with staging_folder(out) as staging:
        fp32, fp32_card, fp32_acc = fp32_file(src, staging, opts.skip_gates)
        cards = {fp32: fp32_card}
        if opts.int8:
            path, facts, failure = int8_file(src, fp32, fp32_acc, staging, opts)
            if path:
                cards[path] = facts
            else:
                fp32_card["int8_failure"] = failure
        cards.update(runtime_cards(cards, opts.formats, fp32_acc, src.data, src.imgsz, opts.max_drop, log))
        if opts.with_ultralytics:
            cards.update(baseline_cards(src, staging, opts))
        return publish(cards, out)


def export_baselines(weights_or_run: Union[str, Path], opts: ExportOptions) -> list:
    """Only Ultralytics' own files of a checkpoint for opts.formats (export/baselines.py), published into opts.out."""
    src = open_source(weights_or_run, opts)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    with staging_folder(out) as staging:
        return publish(baseline_cards(src, staging, opts), out)
