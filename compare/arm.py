"""`leakyolo arm`: run ONNX and NCNN models in an emulated aarch64 userland (qemu user mode) and check them.

Parity: for each model and emulated core, the outputs on a fixed input against the model's reference
outputs, computed here: ONNX with graph optimisations off so that every QuantizeLinear / DequantizeLinear
runs as written rather than through this CPU's integer kernels (on AVX2-only x86 those saturate and
can be the ones that are off), NCNN with its x86 build. FP32: within 1e-4 of the output range. INT8: the
detections `detect` shows by default, within one quantisation step of the head's outputs (integer kernels
round intermediate activations differently from the float reference, which can move low-scoring rows
further). NCNN runs on its defaults, as a user's app would: fp16 storage and arithmetic where the core has
them (the A76 does), so its raw outputs are held to fp16's tolerances: boxes within FP16_BOX of the input
size, scores within FP16_SCORE. Cost: the guest instructions the inferring thread executes per inference, counted by a qemu
plugin between markers around `session.run`, median of REPEATS after a warm-up, with their spread.
Instruction counts rank models; they are not cycles and not a board's timing; emulated wall-clock
time is never reported as latency. How the userland is built: docs/arm.md.
"""

import os
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from leakyolo.base.defaults import CONF as DEFAULT_CONF
from leakyolo.detect.model_file import head_prefix, input_size, is_end2end
from leakyolo.detect.preprocess import preprocess, read_image
from leakyolo.detect.runtimes import open_model, runtime_of
from leakyolo.export.ncnn_int8 import is_int8
from leakyolo.detect.session import OnnxModel
from leakyolo.base.errors import UserError
from leakyolo.base.paths import cache_dir
from leakyolo.base.provenance import sha256_file, stamp

from .arm_userland import build_plugin, ensure_userland, log, qemu_binary

SCHEMA = "leakyolo.arm/2"  # 2: per-inference counts between markers, with spread; rows may name runtime and head
CORES = {  # qemu -cpu name: /proc/cpuinfo the guest sees (must match the emulated core's features)
    "cortex-a72": ("0xd08", "0x0", "fp asimd evtstrm crc32 cpuid"),
    "cortex-a76": ("0xd0b", "0x4", "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid "
                                   "asimdrdm lrcpc dcpop asimddp"),
}
FP32_TOL = 1e-4
FP16_BOX, FP16_SCORE = 0.02, 0.02  # converged YOLO26n at 160 px on the A76: 1.5 px boxes (0.9%)
# NCNN INT8 on the A76 quantizes each convolution's input from fp16 values (x86: fp32), so an input can land one
# int8 step away and move a logit: the test model's scores moved up to 0.040 on the A76 (0.003 on the A72)
INT8_SCORE = 0.05
REPEATS = 3  # counted inferences after the warm-up one
MARK_START, MARK_STOP = 0x4C45414B00, 0x4C45414B01  # must match qemu_insn.c
GUEST = f"""
import glob
import os
import sys
import numpy as np
model, inputs, outputs, runs = sys.argv[1:5]


def mark(offset):
    try:
        os.lseek(-1, offset, os.SEEK_SET)  # fails (EBADF); the plugin sees the call
    except OSError:
        pass


x = np.load(inputs)["x"]
if os.path.isdir(model):  # an NCNN folder, on NCNN's defaults (fp16 storage and arithmetic where the core has them)
    import ncnn
    net = ncnn.Net()
    net.opt.num_threads = 1
    net.opt.use_vulkan_compute = False
    param = glob.glob(os.path.join(model, "*.param"))[0]
    assert net.load_param(param) == 0 and net.load_model(param[:-5] + "bin") == 0
    names = sorted(net.output_names())

    def infer():
        with net.create_extractor() as ex:
            ex.input(net.input_names()[0], ncnn.Mat(np.ascontiguousarray(x[0])))
            return [np.array(ex.extract(name)[1])[None] for name in names]
else:
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    feed = {{session.get_inputs()[0].name: x}}

    def infer():
        return session.run(None, feed)
for _ in range(int(runs)):
    mark({MARK_START})
    y = infer()
    mark({MARK_STOP})
np.savez(outputs, *y)
"""


def write_cpuinfo(root: Path, core: str) -> None:
    """The guest's /proc/cpuinfo (qemu 7.2 would pass the host's through; onnxruntime reads it)."""
    part, variant, features = CORES[core]
    (root / "proc" / "cpuinfo").write_text(
        f"processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: {features}\nCPU implementer\t: 0x41\n"
        f"CPU architecture: 8\nCPU variant\t: {variant}\nCPU part\t: {part}\nCPU revision\t: 1\n\n")


def guest_run(root: Path, core: str, model: Path, x_file: Path, out: Path, runs: int, plugin=None) -> list:
    """Run `runs` inferences in the guest; return each one's instruction count (none without plugin)."""
    write_cpuinfo(root, core)
    script = out.with_suffix(".py")
    script.write_text(GUEST)
    log_file = out.with_suffix(".log")
    # setarch -R: no address randomisation, so pointer-keyed code paths (and the counts) repeat
    cmd = ["setarch", os.uname().machine, "-R", qemu_binary(), "-cpu", core, "-L", str(root)]
    if plugin:
        cmd += ["-plugin", str(plugin), "-d", "plugin", "-D", str(log_file)]
    cmd += [str(root / "usr" / "bin" / "python3.11"), str(script), str(model), str(x_file), str(out), str(runs)]
    env = {"PYTHONPATH": "/pyarm", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/tmp",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",  # no idle pools spinning in the count
           "PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        last = (done.stderr.strip() or "no output").splitlines()[-1]
        raise UserError(f"emulated {core} run of {model.name} failed (exit {done.returncode}: {last[:200]})")
    if not plugin:
        return []
    counts = [int(n) for n in re.findall(r"LEAKYOLO_INSNS (\d+)", log_file.read_text())]
    if len(counts) != runs:
        raise UserError(f"the instruction-count plugin counted {len(counts)} of {runs} inferences of "
                        f"{model.name} on {core}; rebuild it by deleting {plugin}")
    return counts


def head_output_step(model_path: Path) -> float:
    """One quantisation step at the head's outputs: the largest scale of a DequantizeLinear in the head."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    inits = {i.name: i for i in model.graph.initializer}
    prefix = head_prefix(n.name for n in model.graph.node)
    scales = [float(numpy_helper.to_array(inits[n.input[1]]).max()) for n in model.graph.node
              if n.op_type == "DequantizeLinear" and n.name.startswith(prefix) and n.input[1] in inits]
    return max(scales) if scales else 0.0


def kept(a: np.ndarray, b: np.ndarray) -> tuple:
    """Raw outputs [1, 4+nc, anchors] cut to the anchors detect would keep (a score >= its default) on either side."""
    keep = (a[0, 4:].max(0) >= DEFAULT_CONF) | (b[0, 4:].max(0) >= DEFAULT_CONF)
    return a[..., keep], b[..., keep]


def compare_fp16(ref: list, guest: list, size: tuple, int8: bool = False) -> dict:
    """Raw outputs computed in fp16 against the reference: boxes within FP16_BOX of the input size, scores within
    FP16_SCORE; an INT8 model on the anchors detect keeps, its scores within INT8_SCORE."""
    from leakyolo.export.gates import compare_outputs

    a, b = kept(ref[0], guest[0]) if int8 else (ref[0], guest[0])
    diff = compare_outputs(a, b, raw=True) if a.size else {"max_box_diff_px": 0.0, "max_score_diff": 0.0}
    tol, score_tol = FP16_BOX * max(size), INT8_SCORE if int8 else FP16_SCORE
    ok = diff["max_box_diff_px"] <= tol and diff["max_score_diff"] <= score_tol
    return {"max_abs_diff": diff["max_box_diff_px"], "max_score_diff": diff["max_score_diff"], "tolerance": tol,
            "score_tolerance": score_tol, "ok": bool(ok), "compared": int(a.size)}


def compare(ref: list, guest: list, int8: bool, step: float, stride: int = 32) -> dict:
    """Largest difference between the reference and guest outputs, and whether it is within tolerance.

    NMS-free [1, N, 6] rows are matched by class and box (near-tie scores may be ordered differently
    by TopK on another CPU), both ways, for the PARITY_TOP best rows (INT8: those scoring at least
    `detect`'s default threshold); raw outputs are compared element by element (INT8: on the anchors
    scoring at least that threshold on either side). `compared`: rows (the larger side) or elements compared.
    """
    from leakyolo.export.gates import compare_outputs

    a, b = ref[0], guest[0]
    if is_end2end(a):
        floor = DEFAULT_CONF if int8 else 0.0
        both = compare_outputs(a, b, raw=False, min_score=floor), compare_outputs(b, a, raw=False, min_score=floor)
        diff = max(max(d["max_box_diff_px"], d["max_score_diff"]) for d in both)
        compared = max(d["rows"] for d in both)
    else:  # raw [1, 4+nc, anchors]; INT8: the anchors detect would keep (a score >= its default) on either side
        if int8:
            a, b = kept(a, b)
        diff, compared = (float(np.abs(a - b).max()) if a.size else 0.0), a.size
    tol = step * stride if int8 else FP32_TOL * max(1.0, float(np.abs(a).max()))  # boxes: distance * stride
    return {"max_abs_diff": diff, "tolerance": tol, "ok": bool(diff <= tol + 1e-6), "compared": int(compared)}


def arm_check(models: list, cores=("cortex-a76",), image=None, count: bool = True) -> dict:
    """Emulated parity and instruction counts for each model on each core."""
    import onnx

    root = ensure_userland()
    plugin = build_plugin(cache_dir("arm")) if count else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for m in map(Path, models):
            runtime = runtime_of(m)
            session = (OnnxModel(m, threads=1, graph_opt="disable") if runtime == "onnxruntime"  # Q/DQ as written
                       else open_model(m, threads=1))
            size = input_size(m, session.meta("imgsz"), session.inputs[0].shape)
            frame = read_image(image) if image else np.random.default_rng(0).integers(0, 255, (*size, 3), np.uint8)
            x = preprocess(frame, size)[0]
            x_file = tmp / f"{m.stem}-x.npz"
            np.savez(x_file, x=x)
            ref = session.run(x)
            int8 = is_int8(m) if runtime == "ncnn" else any(n.op_type == "QuantizeLinear"
                                                            for n in onnx.load(str(m)).graph.node)
            step = head_output_step(m) if int8 and runtime == "onnxruntime" else 0.0
            stride = int(session.meta("stride") or 32)
            for core in cores:
                log(f"{m.name} on emulated {core}")
                out = tmp / f"{m.stem}-{core}.npz"
                counts = guest_run(root, core, m, x_file, out, 1 + REPEATS if count else 1, plugin)
                guest = list(np.load(out).values())
                row = {"file": m.name, "sha256": sha256_file(m), "core": core, "precision": "int8" if int8 else "fp32",
                       "runtime": runtime, "head": "nms-free" if is_end2end(ref[0]) else "raw", "parity": compare_fp16(ref, guest, size, int8) if runtime == "ncnn"
                       else compare(ref, guest, int8, step, stride)}
                if count:
                    counted = counts[1:]  # the first inference warms up (allocations, kernel packing)
                    median = int(np.median(counted))
                    row["instructions_per_inference"] = median
                    row["instructions_spread"] = round((max(counted) - min(counted)) / median, 5)
                rows.append(row)
    return {"schema": SCHEMA, "kind": "arm", "emulator": subprocess.run([qemu_binary(), "--version"],
              capture_output=True, text=True).stdout.splitlines()[0], "models": rows,
              "parity_reference": "this machine, ONNX Runtime graph optimisations off (Q/DQ as written)",
              "note": f"instructions the inferring thread executes per inference under qemu user mode (median of "
                      f"{REPEATS} after a warm-up; instructions_spread: (max - min) / median); ranks models; not "
                      f"cycles and not a board timing", **stamp()}


def parity_word(parity: dict) -> str:
    """'ok', 'FAIL', or 'not compared' where the check had nothing to compare (INT8: no output of either side
    scored detect's default threshold on the image), which is not a pass."""
    if parity.get("compared", 1) == 0:
        return "not compared"
    return "ok" if parity["ok"] else "FAIL"


def flagged(record: dict, word: str = "FAIL") -> list:
    """'model on core' for every row of an arm_check record whose parity reads `word`."""
    return [f"{r['file']} on {r['core']}" for r in record["models"] if parity_word(r["parity"]) == word]


def failures(record: dict) -> list:
    """'model on core' for every parity failure of an arm_check record."""
    return flagged(record, "FAIL")
