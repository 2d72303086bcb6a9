"""Runtime targets made from the gated ONNX files: an OpenVINO IR (FP32 and INT8: OpenVINO reads the QDQ file as
INT8) and an NCNN param + bin (fp16 weights, pnnx's default; raw head), each in the folder layout Ultralytics writes
(detect/runtimes.py), each with a model card and the same accuracy gate as INT8 (same evaluator, against the FP32
ONNX reference)."""

import ast
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file
from leakyolo.detect.model_file import is_end2end
from leakyolo.detect.runtimes import FOLDERS, METADATA, import_runtime

from .gates import GateError, accuracy_gate, onnx_map

FORMATS = ("onnx", "openvino", "ncnn")
SUFFIX = {runtime: ending for ending, runtime in FOLDERS.items()}


def onnx_metadata(onnx_path: Path) -> dict:
    """The ONNX file's metadata map (strings, as Ultralytics writes them)."""
    import onnx

    return {p.key: p.value for p in onnx.load(str(onnx_path), load_external_data=False).metadata_props}


def openvino_files(onnx_path: Path, folder: Path, metadata: dict) -> str:
    """NAME.xml + .bin in folder, read from the ONNX file as it is (a QDQ file stays INT8); the tool, in words."""
    ov = import_runtime("openvino")
    ov.save_model(ov.Core().read_model(str(onnx_path)), str(folder / f"{onnx_path.stem}.xml"), compress_to_fp16=False)
    return f"openvino {ov.get_version().split('-')[0]} read_model + save_model (FP32 weights kept)"


def pnnx_path() -> Path:
    """Where the pnnx converter of this environment (the [ncnn-export] extra) is, or would be."""
    return Path(shutil.which("pnnx") or Path(sys.executable).with_name("pnnx"))


def pnnx_command() -> str:
    """The pnnx converter, or one line naming the extra that installs it."""
    if not pnnx_path().is_file():
        raise UserError("exporting to NCNN needs the pnnx converter: pip install 'leakyolo[ncnn-export]'")
    return str(pnnx_path())


def ncnn_files(onnx_path: Path, folder: Path, metadata: dict) -> str:
    """model.ncnn.param + .bin in folder, converted by pnnx at the file's input size; the tool, in words."""
    size = ast.literal_eval(metadata["imgsz"])  # the exporter always writes it
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        shutil.copyfile(onnx_path, Path(tmp) / "model.onnx")
        done = subprocess.run([pnnx_command(), "model.onnx", f"inputshape=[1,3,{size[0]},{size[-1]}]"], cwd=tmp,
                              capture_output=True, text=True)
        if done.returncode or not (Path(tmp) / "model.ncnn.param").is_file():
            raise GateError(f"{onnx_path.name}: pnnx could not convert it to NCNN ({done.stderr.strip()[-160:]})")
        for name in ("model.ncnn.param", "model.ncnn.bin"):
            shutil.move(Path(tmp) / name, folder / name)
    from importlib.metadata import version

    return f"pnnx {version('pnnx')} (ONNX -> ncnn param/bin, fp16 weights: pnnx's default)"


CONVERTERS = {"openvino": openvino_files, "ncnn": ncnn_files}


def available(runtime: str) -> bool:
    """Whether this environment can make and run a runtime's files (its extra is installed)."""
    import importlib.util

    if runtime == "ncnn":
        return importlib.util.find_spec("ncnn") is not None and pnnx_path().is_file()
    return runtime == "onnx" or importlib.util.find_spec(runtime) is not None


def why_not(runtime: str, facts: dict) -> str:
    """Why an ONNX file has no file for this runtime ('' when it can have one)."""
    if runtime != "ncnn":
        return ""
    if is_end2end(facts["output"]["shape"]):
        return ("the NMS-free head's top-k selection does not convert to NCNN (pnnx leaves TopK / GatherElements / "
                "Mod unsupported): export with --head raw")
    if facts["precision"] != "fp32":
        return "NCNN INT8 needs ncnn's calibration tools (ncnn2table, ncnn2int8), which its pip wheel lacks"
    return ""


def runtime_file(onnx_path: Path, facts: dict, runtime: str, gate) -> tuple:
    """(folder, card) of one runtime's file made from an ONNX file; gate(folder) -> (accuracy, gates)."""
    folder = onnx_path.with_name(f"{onnx_path.stem}{SUFFIX[runtime]}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    metadata = onnx_metadata(onnx_path)
    tool = CONVERTERS[runtime](onnx_path, folder, metadata)
    (folder / METADATA).write_text(json.dumps(metadata, indent=1))  # JSON is YAML: both read it
    accuracy, gates = gate(folder)
    size = sum(f.stat().st_size for f in folder.iterdir())
    return folder, {**facts, "file": folder.name, "sha256": sha256_file(folder), "size_bytes": size,
                    "runtime": runtime, "conversion": {"tool": tool, "from": onnx_path.name,
                                                       "from_sha256": facts["sha256"]},
                    "accuracy": accuracy, "gates": gates}


def runtime_cards(cards: dict, formats: tuple, reference, data, imgsz: int, max_drop: float, log) -> dict:
    """{folder: card} for every runtime in formats, made from each ONNX file in cards; reference: the FP32 ONNX
    accuracy (None: gates skipped). A file a runtime cannot take is named in its ONNX card, not fatal."""
    def gate(folder: Path) -> tuple:
        if reference is None:
            return None, {"skipped": True}
        log(f"accuracy: {folder.name} on the val split")
        accuracy = onnx_map(folder, data, imgsz)
        return accuracy, {"accuracy": accuracy_gate(reference, accuracy, max_drop, folder.name)}

    made = {}
    for runtime in (f for f in formats if f != "onnx"):
        for path, facts in cards.items():
            why = why_not(runtime, facts)
            if why:
                facts.setdefault("runtimes_left_out", {})[runtime] = why
                log(f"{path.name}: no {runtime} file: {why}")
                continue
            log(f"{path.name} -> {runtime}")
            folder, card = runtime_file(path, facts, runtime, gate)
            made[folder] = card
    return made


def convert(onnx_files: list, formats: tuple, max_drop: float = 1.5, gates: bool = True, log=None) -> list:
    """OpenVINO / NCNN files made from published ONNX files (each with its model card), published beside them;
    gated against the FP32 ONNX file's accuracy in its card, on the data that card names (no gate without one,
    or with gates=False). The published folders; progress to log (default: export's own lines on stderr)."""
    from leakyolo.detect.model_file import read_card

    from .staging import log as export_log
    from .staging import publish, staging

    log = log or export_log
    published = []
    for onnx_path in map(Path, onnx_files):
        facts = read_card(onnx_path)
        if not facts:
            raise UserError(f"{onnx_path}: no model card beside it; export it with `leakyolo export` first")
        fp32 = read_card(onnx_path.with_name(onnx_path.name.replace("-int8.onnx", "-fp32.onnx"))) or facts
        reference = fp32.get("accuracy") if gates else None
        data = (reference or {}).get("data")
        with staging(onnx_path.parent) as folder:
            shutil.copyfile(onnx_path, folder / onnx_path.name)
            made = runtime_cards({folder / onnx_path.name: facts}, formats, reference if data else None, data,
                                 ast.literal_eval(facts["imgsz"])[0], max_drop, log)
            published += publish(made, onnx_path.parent)
    return published
