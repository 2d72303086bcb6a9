"""The edge install, proven on aarch64: the built wheel and its base dependencies (aarch64 wheels from
PyPI) go into a venv inside an emulated Debian 12 arm64 userland (Raspberry Pi OS Bookworm's base), then
`detect` and `leakyolo bench` run there as the README's Pi section says, with no torch, no GUI
libraries, no libGL. The emulated run's detections must match this machine's within the INT8 tolerance.

Two differences from a real Pi, both forced by emulating without binfmt: the venv is made with
--without-pip and pip runs from Debian's pip wheel (ensurepip would exec an aarch64 binary), and the
console scripts are run through the venv's python (qemu runs one binary; it cannot follow a shebang).
"""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import confident_image
from leakyolo.compare.arm import head_output_step, write_cpuinfo
from leakyolo.compare.arm_userland import PLATFORMS, VENV_PACKAGES, python_root

ROOT = Path(__file__).resolve().parents[1]
QEMU = shutil.which("qemu-aarch64")


def wheel(tmp: Path) -> Path:
    """The project's wheel, built as a user would (pip wheel .)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp), str(ROOT)],
                   check=True, capture_output=True)
    return next(tmp.glob("leakyolo-*.whl"))


def test_wheel_holds_every_file_the_code_reads(tmp_path):
    archive = zipfile.ZipFile(wheel(tmp_path))
    names = archive.namelist()
    for needed in ("leakyolo/py.typed", "leakyolo/compare/qemu_insn.c", "leakyolo/detect/int8_gemm.onnx",
                   "leakyolo/detect/fp32_gemm.onnx", "leakyolo/models/leakyolo.yaml", "leakyolo/base/defaults.py"):
        assert needed in names, needed
    meta = next(n for n in names if n.endswith("METADATA"))
    requires = [line for line in archive.read(meta).decode().splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert any("opencv-python-headless" in r for r in requires) and not any("torch" in r for r in requires), requires


def guest(root: Path, argv: list, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run an aarch64 program of root under qemu (Cortex-A76, a Raspberry Pi 5 core)."""
    return subprocess.run([QEMU, "-cpu", "cortex-a76", "-L", str(root), *argv], capture_output=True, text=True,
                          timeout=timeout)


def detections(stdout: str) -> list:
    return [d for line in stdout.splitlines() if line.startswith("{") for d in json.loads(line)["detections"]]


@pytest.mark.qemu
@pytest.mark.slow
def test_pi_install_runs_detect_and_bench_on_aarch64(exported, learn_yaml, tmp_path):
    if QEMU is None:
        pytest.skip("qemu-aarch64 not found (apt-get install qemu-user): cannot emulate the aarch64 install")
    root = python_root(tmp_path / "rootfs", VENV_PACKAGES)
    write_cpuinfo(root, "cortex-a76")
    wheels = tmp_path / "wheels"
    whl = wheel(wheels)
    platforms = [flag for p in PLATFORMS for flag in ("--platform", p)]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", *platforms,
                    "--python-version", "3.11", "--implementation", "cp", "-d", str(wheels), str(whl)],
                   check=True, capture_output=True)
    venv = root / "home" / "pi" / "leakyolo"
    python = str(root / "usr" / "bin" / "python3.11")
    assert guest(root, [python, "-m", "venv", "--without-pip", str(venv)]).returncode == 0
    pip = next((root / "usr" / "share" / "python-wheels").glob("pip-*.whl")) / "pip"
    done = guest(root, [str(venv / "bin" / "python"), str(pip), "install", "-q", "--no-index", "--find-links",
                        str(wheels), str(whl)])
    assert done.returncode == 0, done.stderr[-2000:]
    installed = {p.name.split("-")[0].lower() for p in (venv / "lib" / "python3.11" / "site-packages").glob("*.dist-info")}
    assert {"leakyolo", "numpy", "onnxruntime", "opencv_python_headless"} <= installed
    assert not installed & {"torch", "ultralytics", "onnx", "matplotlib", "opencv_python", "pyyaml"}, installed

    model = exported["int8"]
    image = confident_image(model, learn_yaml)
    argv = ["--source", str(image), "--model", str(model), "--json", "-"]
    done = guest(root, [str(venv / "bin" / "python"), str(venv / "bin" / "detect"), *argv])
    assert done.returncode == 0, done.stderr[-2000:]
    on_arm = detections(done.stdout)
    host = subprocess.run([str(Path(sys.executable).with_name("detect")), *argv], capture_output=True, text=True)
    on_x86 = detections(host.stdout)
    assert on_x86 and len(on_arm) == len(on_x86)
    tolerance = head_output_step(model) * 32  # INT8: one quantisation step of the head (as `leakyolo arm`)
    for a, b in zip(sorted(on_arm, key=lambda d: -d["score"]), sorted(on_x86, key=lambda d: -d["score"])):
        assert a["class_id"] == b["class_id"]
        assert max(abs(x - y) for x, y in zip(a["box"], b["box"])) <= tolerance, (a, b, tolerance)

    out = tmp_path / "bench-arm.json"
    done = guest(root, [str(venv / "bin" / "python"), str(venv / "bin" / "leakyolo"), "bench", str(model),
                        "--runs", "3", "--warmup", "1", "--no-peak", "--out", str(out)])
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads(out.read_text())
    assert record["machine"]["arch"] == "aarch64" and record["models"][0]["results"]["1"]["end_to_end"]["n"] == 3
