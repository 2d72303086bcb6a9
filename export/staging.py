"""Where `leakyolo export` writes before publishing: a hidden folder inside --out, named with the
exporting process id. Everything an export makes goes there, ONNX Runtime's quantization scratch
and the validator's folders included, so a killed export leaves one folder, which the next export
into the same --out removes (a folder whose process still runs is left alone). `publish` moves the
finished files and their cards into place."""

import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from leakyolo.base.provenance import write_json

PREFIX = ".export-"
OWNER = re.compile(rf"^{re.escape(PREFIX)}(\d+)-")


def running(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out: Path) -> list:
    """Remove staging folders in out whose process is gone; return them."""
    stale = [d for d in Path(out).glob(f"{PREFIX}*") if d.is_dir()
             and not ((m := OWNER.match(d.name)) and running(int(m.group(1))))]
    for d in stale:
        shutil.rmtree(d, ignore_errors=True)
        print(f"export: removed {d.name}, left by an export that was killed", file=sys.stderr)
    return stale


@contextmanager
def staging(out: Path):
    """A fresh staging folder in out, also the temp dir of everything run inside; removed at the end."""
    clean_stale(out)
    folder = Path(tempfile.mkdtemp(dir=out, prefix=f"{PREFIX}{os.getpid()}-"))
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)  # ONNX Runtime's quantizer makes its ort.quant.* folders with tempfile
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"export: {message}", file=sys.stderr, flush=True)


def publish(cards: dict, out: Path) -> list:
    """Move each file (or model folder) and its card from staging into out; return the published paths."""
    published = []
    for path, facts in cards.items():
        write_json(path.with_suffix(".json"), facts)
        path.with_suffix(".json").replace(out / f"{path.stem}.json")
        if path.is_dir() and (out / path.name).exists():  # a folder cannot replace a folder: set the old aside
            old = out / f".{path.name}.old-{os.getpid()}"
            (out / path.name).replace(old)
            path.replace(out / path.name)
            shutil.rmtree(old)
        else:
            path.replace(out / path.name)
        published.append(out / path.name)
        log(f"wrote {out / path.name}")
    return published
