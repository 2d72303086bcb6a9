"""Reproducibility helpers: hashes, package versions, the command line, atomic writes."""

import hashlib
import json
import os
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .errors import UserError
from .paths import new_temp_beside

PACKAGES = ("leakyolo", "numpy", "onnxruntime", "opencv-python", "torch", "torchvision", "ultralytics", "onnx")


def sha256_file(path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes; of a folder (an OpenVINO or NCNN model): of its files' names and hashes."""
    if Path(path).is_dir():
        files = sorted(f for f in Path(path).rglob("*") if f.is_file())
        listing = "".join(f"{f.relative_to(path).as_posix()} {sha256_file(f)}\n" for f in files)
        return hashlib.sha256(listing.encode()).hexdigest()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def versions() -> dict:
    """Installed versions of the packages that shape results (absent ones are left out)."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def command_line() -> str:
    """The command that is running, as a user would retype it."""
    prog = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([prog, *sys.argv[1:]])


def stamp() -> dict:
    """How an artifact was made: time, command, versions, platform."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command_line(),
        "versions": versions(),
        "platform": f"{platform.system()} {platform.machine()}",
    }


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write a file via a temp file in the same folder and a rename: readers never see half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = new_temp_beside(path, f"{path.suffix}.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path, obj) -> Path:
    """Atomically write pretty JSON."""
    return atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


def read_run_json(run_json: Path) -> dict:
    """A run folder's run.json ({} if there is none); one-line error if it is not readable JSON."""
    if not run_json.is_file():
        return {}
    try:
        record = json.loads(run_json.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError(f"{run_json}: corrupt run record ({type(e).__name__}); restore it, or export the "
                        f"checkpoint itself: leakyolo export {run_json.parent / 'weights' / 'best.pt'} "
                        f"--calib-data DATA") from None
    if not isinstance(record, dict):
        raise UserError(f"{run_json}: not a run record (a JSON object); restore it or export the .pt file")
    return record
