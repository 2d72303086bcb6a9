"""Command-line value types shared by every command: ranges checked at the boundary, so a bad value
is one argparse line naming the option instead of a traceback deep inside a run."""

import argparse
from pathlib import Path


def _number(text: str, kind):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a{'n integer' if kind is int else ' number'}") from None


def positive_int(text: str) -> int:
    """An integer >= 1."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be 1 or more")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: must be 0 or more")
    return value


def non_negative_float(text: str) -> float:
    """A number >= 0."""
    value = _number(text, float)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{value}: must be 0 or more")
    return value


def positive_float(text: str) -> float:
    """A number > 0."""
    value = _number(text, float)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value}: must be above 0")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1] (score thresholds, IoU)."""
    value = _number(text, float)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{value}: must be between 0 and 1")
    return value


def int_list(text: str) -> list:
    """'0,2' -> [0, 2]; with nargs='+' both `0,2` and `0 2` work (flatten with flat())."""
    return [non_negative_int(t.strip()) for t in text.split(",") if t.strip()]


def positive_int_list(text: str) -> list:
    """'1,2' -> [1, 2], each >= 1."""
    values = [positive_int(t.strip()) for t in text.split(",") if t.strip()]
    if not values:
        raise argparse.ArgumentTypeError("give at least one value, e.g. 1,2")
    return values


def flat(lists) -> list:
    """[[0, 2], [3]] -> [0, 2, 3]; None stays None."""
    return None if lists is None else [v for part in lists for v in part]


def output_file(text: str) -> Path:
    """A file to write: refused when it names an existing folder."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder; give a file name such as {path / 'results.json'}")
    return path


def output_folder(text: str) -> Path:
    """A folder to write into: refused when it names an existing file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a file; give a folder to write into")
    return path


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """--help shows each option's default, unless there is none or the help text already says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return super()._get_help_string(action)


def show_defaults(parser: argparse.ArgumentParser) -> None:
    """Give parser and all its subcommands HelpFormatter."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                show_defaults(sub)
