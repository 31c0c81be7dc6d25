"""The `pathstone` command: the kiosk, and tools for operators and tests.

Each noun's subcommands live in a module of `kiosk.commands`; Textual is imported only
by the commands that show a screen, so that operator commands start fast on a Pi.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.errors import PathstoneError
from kiosk.commands import (
    badges,
    district,
    doctor,
    evidence,
    journal,
    kiosk,
    model,
    packs,
    station,
    sync,
)

COMMAND_MODULES = (station, journal, kiosk, badges, packs, model, sync, doctor, district,
                   evidence)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return 2
    try:
        return int(args.command(args) or 0)
    except PathstoneError as error:
        print(f"pathstone: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (`| head`) has gone; say nothing more on a closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        print(f"pathstone: the operating system refused: {error.strerror}{where}.", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    home = argparse.ArgumentParser(add_help=False)
    home.add_argument(
        "--home", type=Path, default=None,
        help="station directory (default: $PATHSTONE_HOME, else the per-user data directory)",
    )
    parser = argparse.ArgumentParser(prog="pathstone", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands, home)
    return parser
