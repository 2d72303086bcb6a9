"""One ONNX Runtime session wrapper: providers, threads, optimisation level, model metadata."""

import ast
import os
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

from leakyolo.base.errors import UserError

DEVICES = {  # --device -> ONNX Runtime execution provider
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "dml": "DmlExecutionProvider",
}
GRAPH_OPT = {
    "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


MAX_THREADS = 256  # more intra-op threads than any board has: 4096 took 97 s per image here


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def check_threads(threads) -> None:
    """Refuse absurd thread counts; say so when a count exceeds the cores this process may use (slower, not faster)."""
    if not threads:
        return
    if int(threads) > MAX_THREADS:
        raise UserError(f"--threads {threads}: at most {MAX_THREADS}")
    cores = usable_cores()
    if int(threads) > cores:
        print(f"warning: --threads {threads} exceeds the {cores} core(s) this process may use: threads will share "
              f"cores and run slower", file=sys.stderr)


def session_options(threads=None, graph_opt: str = "all", spin_after_run: bool = True) -> ort.SessionOptions:
    """Session options. Worker threads spin while a run needs them; spin_after_run=False stops them at the
    end of each run, so that sessions taking turns (a benchmark) do not steal each other's cores."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = GRAPH_OPT[graph_opt]
    check_threads(threads)
    if threads:
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
    if not spin_after_run:
        opts.add_session_config_entry("session.force_spinning_stop", "1")
    opts.log_severity_level = 3
    return opts


def providers_for(device: str) -> list:
    """The providers for a --device name (falling back to the CPU for ops the device lacks), or a one-line
    error naming what this ONNX Runtime build offers."""
    if device not in DEVICES:
        raise UserError(f"--device {device}: choose one of {', '.join(sorted(DEVICES))}")
    wanted, available = DEVICES[device], ort.get_available_providers()
    if wanted not in available:
        names = [k for k, v in DEVICES.items() if v in available]
        raise UserError(f"--device {device}: this ONNX Runtime ({ort.__version__}) has no {wanted}; it offers "
                        f"{', '.join(names) or ', '.join(available)} (for CUDA install onnxruntime-gpu)")
    return [wanted] + (["CPUExecutionProvider"] if wanted != "CPUExecutionProvider" else [])


class OnnxModel:
    """An ONNX file opened with ONNX Runtime, with its metadata parsed."""

    def __init__(self, path, threads=None, providers=None, graph_opt: str = "all", spin_after_run: bool = True):
        self.path = Path(path)
        if not self.path.is_file():
            raise UserError(f"model {self.path} not found; export one with `leakyolo export RUN_DIR` or run `make demo`")
        opts = session_options(threads, graph_opt, spin_after_run)  # its own errors name the option, not the file
        try:
            self.session = ort.InferenceSession(str(self.path), opts, providers=providers or ["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises several types for corrupt or unsupported files
            reason = str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
            raise UserError(f"{self.path}: not a loadable ONNX model ({reason}); re-export it") from None
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        self.inputs, self.outputs = self.session.get_inputs(), self.session.get_outputs()
        self.input_name = self.inputs[0].name

    def meta(self, key: str, default=None):
        """A metadata value, parsed from its Python-literal text where possible."""
        if key not in self.metadata:
            return default
        try:
            return ast.literal_eval(self.metadata[key])
        except (ValueError, SyntaxError):
            return self.metadata[key]

    def run(self, x: np.ndarray) -> list:
        """Run the model on one input tensor."""
        return self.session.run(None, {self.input_name: x})
