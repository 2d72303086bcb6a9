"""User-facing errors and the command wrapper: one line naming the thing and the fix, exit 2.

Every command (`leakyolo ...`, `detect`) runs through :func:`run`, which also turns SIGTERM and
SIGHUP (systemd, `docker stop`, a closed terminal) into the same path as Ctrl-C: the command's own
cleanup runs (outputs are finalised, temp folders removed) and the exit code is 128 + the signal.
"""

import contextlib
import os
import signal
import sys
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class UserError(Exception):
    """Bad input or a missing requirement the user can fix. Printed as one line, exit code 2."""


class OutputError(UserError):
    """An output could not be written (full disk, file-size limit, a vanished folder): one line, exit code 1."""


class Interrupted(KeyboardInterrupt):
    """A stop signal (SIGINT, SIGTERM, SIGHUP) raised as KeyboardInterrupt, so cleanup paths run."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def missing_extra(what: str, extra: str = "train") -> UserError:
    """Error for a feature whose optional dependencies are not installed."""
    return UserError(f"{what} needs the [{extra}] extra: pip install 'leakyolo[{extra}]'")


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted(signum)


def _install(handler, signals: tuple = STOP_SIGNALS) -> dict:
    """Set handler for each of signals this process does not ignore (nohup, a job started with `&`): ignored ones
    stay ignored; the previous handlers."""
    return {sig: signal.signal(sig, handler) for sig in signals if signal.getsignal(sig) is not signal.SIG_IGN}


def _restore(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def stop_signals_interrupt() -> dict:
    """Make SIGTERM and SIGHUP raise Interrupted unless this process ignores them (nohup); the previous handlers."""
    return _install(_raise_interrupted, STOP_SIGNALS[1:])  # SIGINT raises KeyboardInterrupt already


_held = [[]]  # where a held stop signal is recorded: the innermost hold's list (the first: between holds)


def _record(signum, frame) -> None:
    _held[-1].append(signum)


def _raise_then_hold(signum, frame) -> None:
    stop_now(signum)


def stop_now(signum: int):
    """Raise Interrupted for a stop signal; inside `finalised_on_stop`, every later one is held (recorded, not raised)
    until the next `stop_signals_held` block has ended, so the cleanup this one starts reaches its finalising hold
    however soon a second Ctrl-C comes."""
    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) is _raise_then_hold:
            signal.signal(sig, _record)
    raise Interrupted(signum)


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()  # handlers can only be set there


@contextlib.contextmanager
def finalised_on_stop():
    """While the block runs, Ctrl-C, SIGTERM and SIGHUP raise Interrupted through `stop_now` (a block that finalises
    its outputs in a `stop_signals_held` block when stopped). Signals this process ignores stay ignored."""
    if not _on_main_thread():
        yield
        return
    previous = _install(_raise_then_hold)
    try:
        yield
    finally:
        _restore(previous)


@contextlib.contextmanager
def stop_signals_held():
    """Hold Ctrl-C, SIGTERM and SIGHUP while the block runs (outputs being finalised: a second Ctrl-C must not
    cut a rename short); yields the list of signals that came, for the caller to act on after the block. A signal
    this process ignores (SIGINT of a job a script started with `&`, SIGHUP under nohup) stays ignored. Signals
    held since a stop (`stop_now`) are raised again after the block: a cleanup that hangs can still be stopped."""
    came = []
    if not _on_main_thread():
        yield came
        return
    _held.append(came)
    previous = _install(_record)
    try:
        yield came
    finally:
        _restore({sig: _raise_then_hold if handler is _record else handler for sig, handler in previous.items()})
        _held.pop()  # holds nest: this one is the innermost


def run(func, args) -> int:
    """Run a command: UserError -> one line on stderr, exit 2 (OutputError: exit 1); Ctrl-C / SIGTERM / SIGHUP
    -> 128 + signal after the command's cleanup; closed stdout -> 0."""
    previous = stop_signals_interrupt()
    try:
        func(args)
        return 0
    except OutputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", signal.SIGINT)
        print(f"interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:  # e.g. `detect --json - | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        _restore(previous)
