"""The `leakyolo` command: one entry point, a subcommand per job."""

import argparse
import sys

from . import __version__
from .errors import UserError


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; each package registers its own."""
    from leakyolo.compare import cli as compare_cli
    from leakyolo.datasets import cli as data_cli
    from leakyolo.export import cli as export_cli
    from leakyolo.models import cli as models_cli

    parser = argparse.ArgumentParser(prog="leakyolo", description="LeakYOLO: Leaky-ReLU edge detector toolchain")
    parser.add_argument("--version", action="version", version=f"leakyolo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (data_cli, models_cli, export_cli, compare_cli):
        module.register(sub)
    return parser


def run(func, args) -> int:
    """Run a command: UserError -> one line on stderr, exit 2; Ctrl-C -> exit 130."""
    try:
        func(args)
        return 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def main(argv=None) -> int:
    """Entry point of `leakyolo`."""
    args = build_parser().parse_args(argv)
    return run(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
