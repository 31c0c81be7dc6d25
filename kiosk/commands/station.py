"""`pathstone init`, `status`, `settings` and `simulate`: the station itself."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from engine.errors import PathstoneError
from engine.event import Event
from engine.station import Station
from kiosk.commands.common import home_of, open_station


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    init = commands.add_parser("init", parents=[home], help="create a station")
    school = init.add_mutually_exclusive_group(required=True)
    school.add_argument("--school", help="the name of a new school")
    school.add_argument("--enrol", type=Path, metavar="FILE",
                        help="join an existing school with an enrolment file")
    init.set_defaults(command=_init)

    school_commands = commands.add_parser("school", help="the school this station belongs to")
    school_sub = school_commands.add_subparsers(title="school commands", metavar="COMMAND")
    export = school_sub.add_parser(
        "export", parents=[home], help="write an enrolment file for another station of this school")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    export.set_defaults(command=_school_export)

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
    from engine.sync.enrolment import enrol, read_enrolment

    if args.enrol is not None:
        station = enrol(home_of(args), read_enrolment(args.enrol))
    else:
        station = Station.init(home_of(args), args.school)
    with station:
        print(f"Created station {station.identity.device_id} for {station.identity.school_name} "
              f"in {station.home}.")


def _school_export(args: argparse.Namespace) -> None:
    from engine.sync.enrolment import school_enrolment, write_enrolment

    with open_station(args) as station:
        write_enrolment(args.output, school_enrolment(station))
    print(f"Wrote {args.output}. It holds the school key: keep it secret, use it once with "
          "`pathstone init --enrol FILE` on the new station, then delete it.")


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
