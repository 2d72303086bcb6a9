"""Resumable pipeline stages: skip a stage whose recorded inputs match and whose outputs exist."""

import hashlib
import json
import logging
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import write_json


def stage_key(inputs: dict) -> str:
    """The hash a stage's recorded inputs are compared by."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


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

    def wall_minutes(self) -> float:
        """Wall time since this invocation started (stages may run side by side in jobs)."""
        return (time.time() - self.started) / 60

    def is_done(self, name: str, inputs: dict) -> bool:
        """Whether a run of this stage with these inputs left all its outputs."""
        return self.finished(name, stage_key(inputs)) is not None

    def finished(self, name: str, key: str):
        """The recorded stage if a run with this key left all its outputs, else None."""
        marker = self.out / "stages" / f"{name}.json"
        if marker.is_file():
            done = json.loads(marker.read_text())
            if done.get("key") == key and all(Path(p).exists() for p in done.get("outputs", [])):
                return done
        return None

    def run(self, name: str, inputs: dict, outputs, fn):
        """Run fn() unless a previous run with the same inputs left all outputs; return its result.

        A stage being run holds a lock file, so several pipeline processes can share one out folder
        (e.g. one per dataset or seed, each on its own cores): a second process on the same stage
        stops with an error naming the first; a lock left by a process that died is taken over.
        """
        key = stage_key(inputs)
        done = self.finished(name, key)
        if done is None:
            lock = claim(self.out / "stages" / f"{name}.lock", name)
            try:
                done = self.finished(name, key)  # another process may have just finished it
                if done is None:
                    return self._execute(name, key, inputs, outputs, fn)
            finally:
                lock.unlink(missing_ok=True)
        self.say(f"{name}: up to date, skipped")
        self.timings.setdefault(name, 0.0)  # a job may have run it in this invocation (jobs.py)
        return done.get("result")

    def _execute(self, name: str, key: str, inputs: dict, outputs, fn):
        """Run a stage with its log; record its marker."""
        marker = self.out / "stages" / f"{name}.json"
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


def process_start(pid: int):
    """A process's start time (Linux /proc), so a reused pid is not taken for the lock's owner."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner_alive(owner: str) -> bool:
    """Whether the 'pid start' written in a lock file is a live process."""
    pid, _, start = owner.partition(" ")
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # alive, another user's
        pass
    return not start or process_start(int(pid)) in (None, start)


def read_owner(lock: Path) -> str:
    """The lock's 'pid start', waiting a moment for one that was created but not yet written."""
    for _ in range(5):
        try:
            owner = lock.read_text()
        except FileNotFoundError:
            return ""
        if owner:
            return owner
        time.sleep(0.1)
    return ""


def claim(lock: Path, name: str) -> Path:
    """Create the stage's lock file; a live owner is an error, a dead one's lock is taken over."""
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            owner = read_owner(lock)
            if owner and owner_alive(owner):
                raise UserError(f"stage {name} is being run by process {owner.split()[0]} (lock {lock}): wait for it, "
                                f"or stop it and rerun") from None
            lock.unlink(missing_ok=True)  # left by a process that died
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()} {process_start(os.getpid()) or ''}")  # no start time off Linux
        return lock
    raise UserError(f"could not lock stage {name} ({lock}): another process keeps taking it; rerun")


def check_disk(path: Path, need_gb: float) -> None:
    """Stop early, clearly, when the output disk is too small."""
    free = shutil.disk_usage(path).free / 2**30
    if free < need_gb:
        raise UserError(f"not enough disk at {path}: {free:.1f} GiB free, the pipeline needs about {need_gb} GiB")
