"""Trainings side by side (`leakyolo pipeline --jobs N`): one child `leakyolo pipeline --train-only`
per dataset, model and seed, N at a time.

On CPU each child is pinned to its own share of the cores, and torch takes that many threads: on
the 2-core development machine two 1-core trainings had 1.2-1.4x the throughput of one training
on both cores (docs/performance.md). The children share the out folder; every stage holds a lock.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from leakyolo.base.errors import UserError


def core_groups(jobs: int) -> list:
    """`jobs` disjoint lists of the CPU cores this process may use."""
    cores = sorted(os.sched_getaffinity(0))
    if jobs > len(cores):
        raise UserError(f"--jobs {jobs}: this process may use {len(cores)} CPU cores; pass at most {len(cores)}")
    return [cores[i::jobs] for i in range(jobs)]


def leakyolo_command() -> list:
    """How to start `leakyolo` with this interpreter (the console script when installed)."""
    script = Path(sys.executable).with_name("leakyolo")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "leakyolo.cli"]


def start(st, name: str, argv: list, cores) -> tuple:
    """Start one child with its output in logs/<name>.job.log; return (process, log)."""
    log = st.out / "logs" / f"{name}.job.log"
    with open(log, "w") as f:
        proc = subprocess.Popen(leakyolo_command() + argv, stdout=f, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None)
    st.say(f"{name}: started{f' on cores {cores}' if cores else ''} (log {log})")
    return proc, log


def stop(running: dict) -> None:
    """After Ctrl-C or SIGTERM: the terminal's SIGINT reached the children too; stop any that missed it
    (the parent alone was signalled) with SIGTERM, which they handle like Ctrl-C (SIGINT would not do:
    a pipeline started in the background with `&` and its children ignore it), then wait while they
    save their checkpoints."""
    time.sleep(2)
    for proc in running:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in running:
        proc.wait()


def next_ready(queue: list, running: dict):
    """The first queued task none of whose prerequisites is still queued or running, else None."""
    waiting = {task[0] for task in queue} | {name for name, *_ in running.values()}
    return next((task for task in queue if not (task[2] & waiting)), None)


def run_jobs(st, tasks: list, slots: list) -> None:
    """Run tasks, (stage name, leakyolo argv, names of tasks it must wait for), one per slot at a time (a
    slot: the cores to pin to, or None), in the given order as far as prerequisites allow. After a failure
    no new task starts; the running ones finish (their work stays valid) and the failure is raised."""
    free = list(slots)
    queue, running, failed = list(tasks), {}, None
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops the children too
    try:
        while running or (queue and not failed):
            while free and not failed and next_ready(queue, running):
                task = next_ready(queue, running)
                queue.remove(task)
                name, argv, _ = task
                cores = free.pop(0)
                proc, log = start(st, name, argv, cores)
                running[proc] = (name, cores, log, time.time())
            time.sleep(1)
            for proc in [p for p in running if p.poll() is not None]:
                name, cores, log, t0 = running.pop(proc)
                free.append(cores)
                if proc.returncode == 0:
                    st.timings[name] = round(time.time() - t0, 1)
                    st.say(f"{name}: done in {st.timings[name]:.0f}s")
                else:
                    failed = failed or (name, log, proc.returncode)
                    st.say(f"{name}: failed (exit {proc.returncode}, log {log})")
    except KeyboardInterrupt:
        stop(running)
        st.say("trainings interrupted; rerun the same command to continue (half-trained models resume)")
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    if failed:
        name, log, code = failed
        raise UserError(f"stage {name} failed in its job (exit {code}; log {log}); finished trainings stay valid: "
                        f"rerun the same command to continue")
