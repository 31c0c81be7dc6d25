"""`pathstone init`, `status`, `settings` and `simulate`: the station itself."""

from __future__ import annotations

import argparse
import json
import time

from engine.errors import PathstoneError
from engine.event import Event
from engine.station import Station
from kiosk.commands.common import home_of, open_station


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    init = commands.add_parser("init", parents=[home], help="create a station")
    init.add_argument("--school", required=True, help="the school's name")
    init.set_defaults(command=_init)

    status = commands.add_parser(
        "status", parents=[home], help="show the station's identity, counts and frontier")
    status.set_defaults(command=_status)

    setting = commands.add_parser("settings", parents=[home], help="show the settings, or change one")
    setting.add_argument("key", nargs="?")
    setting.add_argument("value", nargs="?")
    setting.set_defaults(command=_settings)

    simulate = commands.add_parser(
        "simulate", parents=[home], help="append the events of a simulated class")
    simulate.add_argument("--learners", type=int, default=12)
    simulate.add_argument("--days", type=int, default=5)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--print-acks", action="store_true",
                          help="print each event id once its append has returned")
    simulate.set_defaults(command=_simulate)


def _init(args: argparse.Namespace) -> None:
    with Station.init(home_of(args), args.school) as station:
        print(f"Created station {station.identity.device_id} for {station.identity.school_name} "
              f"in {station.home}.")


def _status(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        ident = station.identity
        frontier = station.journal.frontier()
        print(f"station   {ident.device_id}")
        print(f"school    {ident.school_name} ({ident.school_id})")
        print(f"learners  {len(station.state.learners())}")
        print(f"events    {station.journal.count()}")
        print("frontier  " + (", ".join(f"{o}:{s}" for o, s in frontier.items()) or "empty"))


def _settings(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        if args.key is not None and args.value is not None:
            station.change_setting(args.key, args.value)
        current = station.state.settings()
    for key, value in current.items():
        if args.key is None or key == args.key:
            print(f"{key} = {json.dumps(value)}")


def _simulate(args: argparse.Namespace) -> None:
    from engine.simulation import SimulatedClock, simulate

    if args.learners < 1 or args.days < 0:
        raise PathstoneError("Give at least one learner and zero or more days.")
    clock = SimulatedClock(int(time.time() * 1000) - args.days * 86_400_000)
    with open_station(args, wall=clock) as station:
        on_ack = _print_ack if args.print_acks else (lambda event: None)
        report = simulate(station, clock, learners=args.learners, days=args.days,
                          seed=args.seed, on_ack=on_ack)
    if not args.print_acks:
        print(f"Simulated {args.days} days: {report.learners_added} learners added, "
              f"{report.events} events recorded.")


def _print_ack(event: Event) -> None:
    print(event.id, flush=True)
