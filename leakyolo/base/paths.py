"""Where LeakYOLO keeps its cache (downloaded wheels, datasets, Ultralytics config, built model YAMLs)."""

import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from .errors import UserError


def cache_root() -> Path:
    """The cache folder, not created: $LEAKYOLO_CACHE, else $XDG_CACHE_HOME/leakyolo, else ~/.cache/leakyolo."""
    root = os.environ.get("LEAKYOLO_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "leakyolo"
    return Path(root).expanduser().resolve()


@lru_cache(maxsize=None)
def _scratch_root(unwritable: str, why: str) -> Path:
    """A private temp folder for this process (removed at exit), announced once."""
    import atexit
    import shutil

    path = Path(tempfile.mkdtemp(prefix="leakyolo-cache-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    print(f"warning: cache folder {unwritable} cannot be written ({why}); using {path} for this run (set "
          "LEAKYOLO_CACHE to a writable folder to keep it)", file=sys.stderr)
    return path


def cache_dir(*parts: str, scratch: bool = False) -> Path:
    """Return (and create) a folder under the cache. When the cache cannot be written (a read-only mount, a
    path below a file), scratch folders (configs, generated YAMLs: cheap to rebuild) move to a private temp
    folder for this run; anything else is a one-line error naming LEAKYOLO_CACHE."""
    path = cache_root().joinpath(*parts)
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK):
            raise PermissionError(13, "not writable")
    except OSError as e:
        why = e.strerror or str(e)
        if not scratch:
            raise UserError(f"cache folder {path} cannot be written ({why}); set LEAKYOLO_CACHE to a writable "
                            "folder") from None
        path = _scratch_root(str(cache_root()), why).joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
    return path


def new_temp_beside(path: Path, suffix: str) -> tuple:
    """(fd, Path) of a new empty file beside path: a unique hidden name (O_EXCL: never an existing file or a
    planted link) with the permissions the umask gives new files (mkstemp alone makes 0600)."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=suffix)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)
    return fd, Path(name)


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name part made from untrusted text (a dataset or model name read from a result file): letters,
    digits, '.', '_' and '-' only, no leading dot, at most `limit` characters; text that had to change gets a
    short hash of the original, so two different names never share a file."""
    import hashlib
    import re

    text = str(text)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text).lstrip("._")[:limit] or "unnamed"
    return safe if safe == text else f"{safe}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
