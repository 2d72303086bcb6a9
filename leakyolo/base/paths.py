"""Where LeakYOLO keeps its cache (downloaded wheels, Ultralytics config, built model YAMLs)."""

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder under the cache: $LEAKYOLO_CACHE, else ~/.cache/leakyolo."""
    root = os.environ.get("LEAKYOLO_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "leakyolo"
    path = Path(root).expanduser().resolve().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
