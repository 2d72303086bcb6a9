"""Runtime targets made from the gated ONNX files: an OpenVINO IR (FP32 and INT8: OpenVINO reads the QDQ file as
INT8) and an NCNN param + bin (raw head; FP32 with fp16-stored weights, pnnx's default, and INT8 made from it by
export/ncnn_int8.py), each in the folder layout Ultralytics writes (detect/runtimes.py), each with a model card and
the same accuracy gate as INT8 (same evaluator, against the FP32 ONNX reference)."""

import ast
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file, write_json
from leakyolo.detect.model_file import is_end2end
from leakyolo.detect.runtimes import FOLDERS, METADATA, import_runtime

from .gates import GateError, accuracy_gate, onnx_map

FORMATS = ("onnx", "openvino", "ncnn")
SUFFIX = {runtime: ending for ending, runtime in FOLDERS.items()}


def onnx_metadata(onnx_path: Path) -> dict:
    """The ONNX file's metadata map (strings, as Ultralytics writes them)."""
    import onnx

    return {p.key: p.value for p in onnx.load(str(onnx_path), load_external_data=False).metadata_props}


@dataclass(frozen=True)
class Conversion:
    """What a converter may need beside the ONNX file: for NCNN INT8, the FP32 sibling and calibration data."""

    int8: bool = False
    fp32: Optional[Path] = None
    data: Optional[str] = None


def openvino_files(onnx_path: Path, folder: Path, metadata: dict, how: Conversion) -> dict:
    """NAME.xml + .bin in folder, read from the ONNX file as it is (a QDQ file stays INT8); how it was made."""
    ov = import_runtime("openvino")
    ov.save_model(ov.Core().read_model(str(onnx_path)), str(folder / f"{onnx_path.stem}.xml"), compress_to_fp16=False)
    return {"tool": f"openvino {ov.get_version().split('-')[0]} read_model + save_model (FP32 weights kept)"}


def pnnx_path() -> Path:
    """Where the pnnx converter of this environment (the [ncnn-export] extra) is, or would be."""
    return Path(shutil.which("pnnx") or Path(sys.executable).with_name("pnnx"))


def pnnx_command() -> str:
    """The pnnx converter, or one line naming the extra that installs it."""
    if not pnnx_path().is_file():
        raise UserError("exporting to NCNN needs the pnnx converter: pip install 'leakyolo[ncnn-export]'")
    return str(pnnx_path())


def pnnx_convert(onnx_path: Path, folder: Path, size: list) -> None:
    """model.ncnn.param + .bin in folder, converted by pnnx at the given input size."""
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        shutil.copyfile(onnx_path, Path(tmp) / "model.onnx")
        done = subprocess.run([pnnx_command(), "model.onnx", f"inputshape=[1,3,{size[0]},{size[-1]}]"], cwd=tmp,
                              capture_output=True, text=True)
        if done.returncode or not (Path(tmp) / "model.ncnn.param").is_file():
            raise GateError(f"{onnx_path.name}: pnnx could not convert it to NCNN ({done.stderr.strip()[-160:]})")
        for name in ("model.ncnn.param", "model.ncnn.bin"):
            shutil.move(Path(tmp) / name, folder / name)


def ncnn_files(onnx_path: Path, folder: Path, metadata: dict, how: Conversion) -> dict:
    """model.ncnn.param + .bin in folder at the file's input size: pnnx's conversion, or for an INT8 file the FP32
    sibling's with INT8 convolutions calibrated on the train split (export/ncnn_int8.py); how it was made."""
    from importlib.metadata import version

    from leakyolo.base.defaults import CALIB_IMAGES

    from .calibration import LetterboxDataReader, sample_images
    from .ncnn_int8 import write_int8

    size = ast.literal_eval(metadata["imgsz"])  # the exporter always writes it
    tool = f"pnnx {version('pnnx')} (ONNX -> ncnn param/bin, fp16 weights: pnnx's default)"
    if not how.int8:
        pnnx_convert(onnx_path, folder, size)
        return {"tool": tool}
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        pnnx_convert(how.fp32, Path(tmp), size)
        reader = LetterboxDataReader(sample_images(how.data, CALIB_IMAGES), "x", tuple(size), progress=False)
        settings = write_int8(Path(tmp), folder, [feed["x"] for feed in iter(reader.get_next, None)])
    return {"tool": f"{tool} of {how.fp32.name}, then {settings.pop('tool')}", "quantization": settings}


CONVERTERS = {"openvino": openvino_files, "ncnn": ncnn_files}


def available(runtime: str) -> bool:
    """Whether this environment can make and run a runtime's files (its extra is installed)."""
    import importlib.util

    if runtime == "ncnn":
        return importlib.util.find_spec("ncnn") is not None and pnnx_path().is_file()
    return runtime == "onnx" or importlib.util.find_spec(runtime) is not None


def why_not(runtime: str, facts: dict, how: Conversion) -> str:
    """Why an ONNX file has no file for this runtime ('' when it can have one)."""
    if runtime != "ncnn":
        return ""
    if is_end2end(facts["output"]["shape"]):
        return ("the NMS-free head's top-k selection does not convert to NCNN (pnnx leaves TopK / GatherElements / "
                "Mod unsupported): export with --head raw")
    if how.int8 and not (how.fp32 and how.data):
        return "NCNN INT8 is made from the FP32 file and calibrated on the train split: neither is known here"
    return ""


def folder_bytes(folder: Path) -> int:
    """A runtime model folder's size: its files together."""
    return sum(f.stat().st_size for f in folder.iterdir())


def runtime_file(onnx_path: Path, facts: dict, runtime: str, gate, how: Conversion) -> tuple:
    """(folder, card) of one runtime's file made from an ONNX file; gate(folder) -> (accuracy, gates)."""
    folder = onnx_path.with_name(f"{onnx_path.stem}{SUFFIX[runtime]}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    metadata = onnx_metadata(onnx_path)
    made = CONVERTERS[runtime](onnx_path, folder, metadata, how)
    (folder / METADATA).write_text(json.dumps(metadata, indent=1))  # JSON is YAML: both read it
    accuracy, gates = gate(folder)
    return folder, {**facts, "file": folder.name, "sha256": sha256_file(folder), "size_bytes": folder_bytes(folder),
                    "runtime": runtime, "conversion": {**made, "from": onnx_path.name, "from_sha256": facts["sha256"]},
                    "accuracy": accuracy, "gates": gates}


def made_or_why(path: Path, facts: dict, runtime: str, gate, how: Conversion, log) -> tuple:
    """(folder, card) of one runtime's file, or (None, why) when it cannot be made or an NCNN INT8 (of our own
    making) fails its gate; any other failure is raised."""
    why = why_not(runtime, facts, how)
    if why:
        return None, why
    log(f"{path.name} -> {runtime}")
    try:
        return runtime_file(path, facts, runtime, gate, how)
    except GateError as e:
        if not (how.int8 and runtime == "ncnn"):
            raise
        shutil.rmtree(path.with_name(f"{path.stem}{SUFFIX[runtime]}"), ignore_errors=True)
        return None, str(e)


def runtime_cards(cards: dict, formats: tuple, reference, data, imgsz: int, max_drop: float, log,
                  fp32: Optional[Path] = None) -> dict:
    """{folder: card} for every runtime in formats, made from each ONNX file in cards; reference: the FP32 ONNX
    accuracy (None: gates skipped); fp32: the FP32 ONNX file an INT8 one was made from (default: the one in
    cards). A file a runtime cannot take, or an NCNN INT8 that fails its gate, is named in its ONNX card, not
    fatal."""
    def gate(folder: Path) -> tuple:
        if reference is None:
            return None, {"skipped": True}
        log(f"accuracy: {folder.name} on the val split")
        accuracy = onnx_map(folder, data, imgsz)
        return accuracy, {"accuracy": accuracy_gate(reference, accuracy, max_drop, folder.name)}

    made, default_fp32 = {}, next((p for p, f in cards.items() if f["precision"] == "fp32"), None)
    for runtime in (f for f in formats if f != "onnx"):
        for path, facts in cards.items():
            how = Conversion(facts["precision"] == "int8", fp32 or default_fp32, data)
            folder, result = made_or_why(path, facts, runtime, gate, how, log)
            if folder:
                made[folder] = result
            else:
                facts.setdefault("runtimes_left_out", {})[runtime] = result
                log(f"{path.name}: no {runtime} file: {result}")
    return made


def convert(onnx_files: list, formats: tuple, max_drop: float = 1.5, gates: bool = True, log=None) -> list:
    """OpenVINO / NCNN files made from published ONNX files (each with its model card), published beside them;
    gated against the FP32 ONNX file's accuracy in its card, on the data that card names (no gate without one,
    or with gates=False). The published folders; progress to log (default: export's own lines on stderr). A file a
    runtime cannot take, or whose NCNN INT8 fails its gate, gets the reason in its card (`runtimes_left_out`)."""
    from leakyolo.detect.model_file import read_card

    from .staging import log as export_log
    from .staging import publish, staging

    log = log or export_log
    published = []
    for onnx_path in map(Path, onnx_files):
        facts = read_card(onnx_path)
        if not facts:
            raise UserError(f"{onnx_path}: no model card beside it; export it with `leakyolo export` first")
        sibling = onnx_path.with_name(onnx_path.name.replace("-int8.onnx", "-fp32.onnx"))
        fp32 = read_card(sibling) or facts
        reference = fp32.get("accuracy") if gates else None
        data = (reference or {}).get("data")
        said = facts.pop("runtimes_left_out", None) or {}
        kept = {r: why for r, why in said.items() if r not in formats}  # a runtime remade now: its old reason goes
        if kept:
            facts["runtimes_left_out"] = kept
        with staging(onnx_path.parent) as folder:
            shutil.copyfile(onnx_path, folder / onnx_path.name)
            made = runtime_cards({folder / onnx_path.name: facts}, formats, reference if data else None, data,
                                 ast.literal_eval(facts["imgsz"])[0], max_drop, log,
                                 sibling if sibling.is_file() else None)
            published += publish(made, onnx_path.parent)
        if facts.get("runtimes_left_out", {}) != said:  # why a runtime has no file of it: in its card, for reports
            write_json(onnx_path.with_suffix(".json"), facts)
    return published
