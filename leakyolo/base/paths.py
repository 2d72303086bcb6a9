"""Where LeakYOLO keeps its cache (downloaded wheels, Ultralytics config, built model YAMLs)."""

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder under the cache: $LEAKYOLO_CACHE, else ~/.cache/leakyolo."""
    root = os.environ.get("LEAKYOLO_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "leakyolo"
    path = Path(root).expanduser().resolve().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name part made from untrusted text (a dataset or model name read from a result file): letters,
    digits, '.', '_' and '-' only, no leading dot, at most `limit` characters; text that had to change gets a
    short hash of the original, so two different names never share a file."""
    import hashlib
    import re

    text = str(text)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text).lstrip("._")[:limit] or "unnamed"
    return safe if safe == text else f"{safe}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
