"""Which machine a benchmark ran on: CPU, ISA features that matter for INT8, OS, library versions."""

import os
import platform
import time
from importlib import metadata
from typing import Optional

ISA_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16",  # x86
             "neon", "asimd", "asimddp", "asimdhp", "i8mm", "sve", "sve2", "bf16")  # arm


def cpuinfo() -> dict:
    """Model name and feature flags from /proc/cpuinfo (Linux); platform.processor() elsewhere."""
    model, part, flags = "", "", set()
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "model name" and not model:
            model = value
        elif key in ("flags", "features"):
            flags.update(value.split())
        elif key == "cpu part" and not part:
            part = value
    return {"model": model or (f"ARM CPU part {part}" if part else platform.processor()), "flags": flags}


def version(name: str):
    """Installed version or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def fingerprint(label=None) -> dict:
    """A description of this machine for a benchmark record."""
    cpu = cpuinfo()
    arch = platform.machine()
    return {
        "label": label or f"{arch} {cpu['model'] or 'cpu'}".strip(),
        "cpu": cpu["model"],
        "arch": arch,
        "cores": os.cpu_count(),
        "isa": sorted(f for f in ISA_FLAGS if f in cpu["flags"]),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "onnxruntime": version("onnxruntime"),
    }


def cpu_busy(seconds: float = 0.5) -> Optional[float]:
    """The share of the machine's CPU time (all cores) that was busy over `seconds` while this process sleeps: the
    load of other processes before or after a benchmark. From /proc/stat (Linux); None elsewhere."""
    def ticks():
        with open("/proc/stat") as f:
            t = [int(x) for x in f.readline().split()[1:8]]
        return sum(t), t[3] + t[4]  # all, idle + iowait

    try:
        (total0, idle0), _, (total1, idle1) = ticks(), time.sleep(seconds), ticks()
    except (OSError, ValueError, IndexError):
        return None
    return round(1 - (idle1 - idle0) / (total1 - total0), 3) if total1 > total0 else None
