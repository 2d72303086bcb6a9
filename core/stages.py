"""Resumable pipeline stages: skip a stage whose recorded inputs match and whose outputs exist."""

import hashlib
import json
import logging
import shutil
import sys
import time
import traceback
from pathlib import Path

from .errors import UserError
from .provenance import write_json


class StageFailed(UserError):
    """A stage raised: the message names the stage, its log and the cause."""


class Stages:
    """Runs named stages under out/, each with a marker (inputs hash, result, seconds) and a log."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.started = time.time()
        (self.out / "stages").mkdir(parents=True, exist_ok=True)
        (self.out / "logs").mkdir(parents=True, exist_ok=True)
        self.timings = {}

    def say(self, message: str) -> None:
        """One progress line with elapsed wall time."""
        elapsed = time.time() - self.started
        print(f"[pipeline {int(elapsed // 60):3d}:{int(elapsed % 60):02d}] {message}", file=sys.stderr, flush=True)

    def run(self, name: str, inputs: dict, outputs, fn):
        """Run fn() unless a previous run with the same inputs left all outputs; return its result."""
        marker = self.out / "stages" / f"{name}.json"
        key = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
        if marker.is_file():
            done = json.loads(marker.read_text())
            if done.get("key") == key and all(Path(p).exists() for p in done.get("outputs", [])):
                self.say(f"{name}: up to date, skipped")
                self.timings[name] = 0.0
                return done.get("result")
        log = self.out / "logs" / f"{name}.log"
        handler = logging.FileHandler(log, mode="w")
        handler.setFormatter(logging.Formatter("%(message)s"))
        logging.getLogger("ultralytics").addHandler(handler)
        self.say(f"{name}: started (log {log})")
        t0 = time.time()
        try:
            result = fn()
        except KeyboardInterrupt:
            self.say(f"{name}: interrupted; rerun the same command to continue from here")
            raise
        except UserError as e:
            raise StageFailed(f"stage {name} failed: {e} (log: {log})") from None
        except Exception as e:  # any other failure: name it, keep completed stages valid
            with open(log, "a") as f:
                traceback.print_exc(file=f)
            raise StageFailed(f"stage {name} failed: {type(e).__name__}: {str(e)[:200]} (log: {log})") from None
        finally:
            logging.getLogger("ultralytics").removeHandler(handler)
            handler.close()
        seconds = round(time.time() - t0, 1)
        self.timings[name] = seconds
        paths = [str(p) for p in (outputs(result) if callable(outputs) else outputs)]
        write_json(marker, {"key": key, "inputs": inputs, "outputs": paths, "result": result, "seconds": seconds})
        self.say(f"{name}: done in {seconds:.0f}s")
        return result


def check_disk(path: Path, need_gb: float) -> None:
    """Stop early, clearly, when the output disk is too small."""
    free = shutil.disk_usage(path).free / 2**30
    if free < need_gb:
        raise UserError(f"not enough disk at {path}: {free:.1f} GiB free, the pipeline needs about {need_gb} GiB")
