"""`pathstone run` and `pathstone demo`: the kiosk on a screen."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from engine.station import Station, default_home, is_station
from kiosk.commands.common import home_of

if TYPE_CHECKING:
    from engine.places import Places

DEMO_SCHOOL = "Hillside Primary (demo)"


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    sticks = argparse.ArgumentParser(add_help=False)
    sticks.add_argument(
        "--sticks", type=Path, default=None, metavar="DIR",
        help="where USB sticks appear (default: /run/media/pathstone, where the udev rules "
             "mount them); each folder in DIR that holds files is a pretend stick")
    run = commands.add_parser("run", parents=[home, sticks], help="start the kiosk on this station")
    run.set_defaults(command=_run)
    demo = commands.add_parser(
        "demo", parents=[home, sticks],
        help="start the kiosk on the demo classroom (made on first use)")
    demo.set_defaults(command=_demo)


def _places(args: argparse.Namespace) -> Places:
    from engine.places import Places

    return Places(sticks_folder=args.sticks)


def _run(args: argparse.Namespace) -> None:
    home = home_of(args)
    if not is_station(home) and not _first_boot(home, _places(args)):
        return
    _show(home, _places(args), demo=False)


def _first_boot(home: Path, places: Places) -> bool:
    """Wait on the "not set up yet" screen for an enrolment file; True once the station exists.

    Locked (no way to quit from the keyboard) when systemd runs it as the kiosk; from a
    terminal a mistyped --home can still be left with F12.
    """
    from kiosk.screens.not_set_up import FirstBootApp

    started_by_systemd = "NOTIFY_SOCKET" in os.environ
    return bool(FirstBootApp(home, places, locked=started_by_systemd,
                             ansi_color=_on_console()).run())


def _demo(args: argparse.Namespace) -> None:
    from engine.packs import install_shipped
    from engine.simulation import SimulatedClock, simulate

    home = args.home if args.home is not None else default_home().parent / "demo"
    if not is_station(home):
        print(f"Making the demo classroom in {home} …", file=sys.stderr)
        Station.init(home, DEMO_SCHOOL).close()
        clock = SimulatedClock(int(time.time() * 1000) - 21 * 86_400_000)
        with Station.open(home, wall=clock) as station:
            # Packs first, so that the simulated weeks practise their skills.
            install_shipped(station, lambda line: print(line, file=sys.stderr))
            station.change_setting("class_name", "Class 4B")
            simulate(station, clock, learners=12, days=21, seed=4)
    _show(home, _places(args), demo=True)


def _show(home: Path, places: Places, *, demo: bool) -> None:
    from kiosk.app import PathstoneApp

    with Station.open(home) as station:
        PathstoneApp(station, demo=demo, places=places, ansi_color=_on_console()).run()


def _on_console() -> bool:
    # The Linux console has 16 colours: the ANSI palette keeps them faithful.
    return os.environ.get("TERM") == "linux"
