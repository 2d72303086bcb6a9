"""Model files on each edge runtime, opened behind one surface (path, inputs, outputs, meta(key), run(x)).

| runtime     | model file                                                        | extra      |
|-------------|-------------------------------------------------------------------|------------|
| onnxruntime | NAME.onnx (metadata inside)                                       | (base)     |
| openvino    | NAME_openvino_model/ with NAME.xml + .bin and metadata.yaml       | [openvino] |
| ncnn        | NAME_ncnn_model/ with model.ncnn.param + .bin and metadata.yaml   | [ncnn]     |

The folders are the layouts Ultralytics' exporter writes, so Ultralytics' validator reads them too; a file
inside a folder (the .xml, the .param) names the folder. Our metadata.yaml holds the ONNX file's metadata map as
JSON (JSON is YAML), read without a YAML parser; Ultralytics' own folders (real YAML) are read with PyYAML, which
the [openvino] and [ncnn] extras install.
"""

import ast
import importlib
import json
import sys
from collections import namedtuple
from pathlib import Path

import numpy as np

from leakyolo.base.errors import UserError

from .session import OnnxModel, check_threads, usable_cores

Port = namedtuple("Port", "name shape type")  # as ONNX Runtime's NodeArg: name, shape, 'tensor(float)'
FOLDERS = {"_openvino_model": "openvino", "_ncnn_model": "ncnn"}
EXTRAS = {"openvino": "openvino", "ncnn": "ncnn"}
METADATA = "metadata.yaml"


def runtime_of(path) -> str:
    """The runtime a model path is for: by its folder name, or by the folder a .xml / .param file sits in."""
    name = model_path(path).name
    return next((runtime for ending, runtime in FOLDERS.items() if name.endswith(ending)), "onnxruntime")


def model_path(path) -> Path:
    """How a model is named: its .onnx file, or the folder of an OpenVINO / NCNN model given as a file in it."""
    path = Path(path)
    return path.parent if path.suffix in (".xml", ".param", ".bin") else path


def import_runtime(name: str):
    """The runtime's Python module, or one line naming the extra that installs it."""
    if name == "openvino":
        sys.modules.setdefault("openvino_telemetry", None)  # its converter then uses its no-op stub: no sends
    try:
        return importlib.import_module(name)
    except ImportError:
        raise UserError(f"{name} models need the {name} runtime: pip install 'leakyolo[{EXTRAS[name]}]'") from None


def read_metadata(path: Path):
    """A folder's metadata.yaml: ours is JSON; Ultralytics' is YAML (PyYAML, or one line naming the extra)."""
    text = path.read_text()
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        import yaml
    except ImportError:
        raise UserError(f"{path}: YAML metadata (an Ultralytics export) needs PyYAML: pip install 'leakyolo[openvino]' "
                        f"or 'leakyolo[ncnn]'") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ValueError(str(e)) from None


class FolderModel:
    """What OpenVINO and NCNN models share: the folder, its metadata.yaml, the parsed metadata."""

    def __init__(self, path, pattern: str):
        self.path = model_path(path)
        files = sorted(self.path.glob(pattern)) if self.path.is_dir() else []
        if not files:
            raise UserError(f"model {self.path}: no {pattern} file; export one with `leakyolo export --format "
                            f"{runtime_of(self.path)}`")
        self.file = files[0]
        try:
            self.metadata = read_metadata(self.path / METADATA)
        except (OSError, ValueError) as e:
            raise UserError(f"{self.path / METADATA}: unreadable model metadata ({type(e).__name__}); re-export "
                            f"the model") from None
        if not isinstance(self.metadata, dict):
            raise UserError(f"{self.path / METADATA}: not a metadata mapping; re-export the model")

    def meta(self, key: str, default=None):
        """A metadata value, parsed from its Python-literal text where possible (as OnnxModel.meta)."""
        value = self.metadata.get(key, default)
        try:
            return ast.literal_eval(value) if isinstance(value, str) else value
        except (ValueError, SyntaxError):
            return value


class OpenVinoModel(FolderModel):
    """An OpenVINO IR on the CPU plugin, latency mode, one stream, f32 for float layers (INT8 stays INT8)."""

    def __init__(self, path, threads=None, **_):
        super().__init__(path, "*.xml")
        ov = import_runtime("openvino")
        check_threads(threads)
        config = {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1, "INFERENCE_PRECISION_HINT": "f32",
                  **({"INFERENCE_NUM_THREADS": int(threads)} if threads else {})}
        try:
            core = ov.Core()
            self.compiled = core.compile_model(core.read_model(str(self.file)), "CPU", config)
        except RuntimeError as e:
            reason = str(e).strip()[:160]
            raise UserError(f"{self.file}: not a loadable OpenVINO model ({reason}); re-export it") from None
        self.request = self.compiled.create_infer_request()
        self.inputs = [self.port(p, ov) for p in self.compiled.inputs]
        self.outputs = [self.port(p, ov) for p in self.compiled.outputs]

    @staticmethod
    def port(p, ov) -> Port:
        """An OpenVINO port as a Port: name (its index when the IR names none, as in Ultralytics' own IR files),
        shape ('?' for a dynamic axis), 'tensor(float)' for f32."""
        shape = [d.get_length() if d.is_static else "?" for d in p.get_partial_shape()]
        kind = p.get_element_type()
        name = min(p.get_names(), default=str(p.get_index()))
        return Port(name, shape, "tensor(float)" if kind == ov.Type.f32 else str(kind))

    def run(self, x: np.ndarray) -> list:
        """Run the model on one input tensor."""
        result = self.request.infer({0: x})
        return [result[port] for port in self.compiled.outputs]


class NcnnModel(FolderModel):
    """An NCNN param + bin on the CPU (NCNN's defaults: fp16 storage and arithmetic where the core has them)."""

    def __init__(self, path, threads=None, **_):
        super().__init__(path, "*.param")
        ncnn = import_runtime("ncnn")
        check_threads(threads)
        self.ncnn, self.net = ncnn, ncnn.Net()
        self.net.opt.use_vulkan_compute = False
        self.net.opt.num_threads = int(threads or usable_cores())
        if self.net.load_param(str(self.file)) or self.net.load_model(str(self.file.with_suffix(".bin"))):
            raise UserError(f"{self.file}: not a loadable NCNN model; re-export it")
        self.names = (self.net.input_names()[0], sorted(self.net.output_names()))
        size = self.meta("imgsz")
        if not size:
            raise UserError(f"{self.path / METADATA}: no imgsz; NCNN files carry no input size: re-export the model")
        size = [size, size] if isinstance(size, int) else list(size)
        self.inputs = [Port(self.names[0], [1, 3, *size], "tensor(float)")]
        self.outputs = [Port(n, list(y.shape), "tensor(float)") for n, y in  # NCNN files carry no output shapes
                        zip(self.names[1], self.run(np.zeros((1, 3, *size), np.float32)))]

    def run(self, x: np.ndarray) -> list:
        """Run the model on one input tensor (batch 1); outputs get their batch axis back."""
        with self.net.create_extractor() as ex:
            ex.input(self.names[0], self.ncnn.Mat(np.ascontiguousarray(x[0])))
            return [np.array(ex.extract(name)[1])[None] for name in self.names[1]]


RUNTIMES = {"onnxruntime": OnnxModel, "openvino": OpenVinoModel, "ncnn": NcnnModel}


def open_model(path, **options):
    """The model at path on its runtime; options: threads, and for ONNX Runtime providers, graph_opt,
    spin_after_run."""
    return RUNTIMES[runtime_of(path)](path, **options)
