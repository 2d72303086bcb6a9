"""Options namespaces (frozen dataclasses, as Ultralytics' one `cfg`): copies with some fields changed."""

from dataclasses import fields, replace

from .errors import UserError


def changed(opts, changes: dict, rest: str = ""):
    """A copy of the options dataclass `opts` with `changes` applied. Keys that are not fields go into the
    dict field named `rest` (e.g. pass-through hyperparameters); without one they are a one-line error."""
    known = {f.name for f in fields(opts)}
    other = {k: v for k, v in changes.items() if k not in known}
    if other and not rest:
        raise UserError(f"option {sorted(other)[0]!r} unknown: use {', '.join(sorted(known))}")
    mine = {k: v for k, v in changes.items() if k in known}
    if other:
        mine[rest] = {**getattr(opts, rest), **mine.get(rest, {}), **other}
    return replace(opts, **mine)
