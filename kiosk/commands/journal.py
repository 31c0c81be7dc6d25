"""`pathstone journal check|export`: the event journal, for operators and tests."""

from __future__ import annotations

import argparse
import sys

from engine.station import Station
from kiosk.commands.common import home_of, open_station


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    journal = commands.add_parser("journal", help="check or export the event journal")
    sub = journal.add_subparsers(title="journal commands", metavar="COMMAND")
    check = sub.add_parser("check", parents=[home], help="verify every segment and checksum")
    check.set_defaults(command=_journal_check)
    export = sub.add_parser("export", parents=[home], help="print every event as JSON lines")
    export.add_argument("--learner", help="only the events of this learner")
    export.set_defaults(command=_journal_export)


def _journal_check(args: argparse.Namespace) -> int:
    # Repairs made on opening are part of this report, not a log line before it.
    with Station.open(home_of(args)) as station:
        report = station.journal.check()
    print(f"segments  {report.segments}")
    for origin, count in report.counts.items():
        print(f"origin    {origin}: {count} events, frontier {report.frontier.get(origin, 0)}")
    for repair in report.repairs:
        print(f"repaired  {repair}")
    for problem in report.problems:
        print(f"damaged   {problem}")
    verdict = "usable" if not report.problems else "usable; damaged lines are skipped and kept"
    print(f"journal   {verdict}")
    return 0


def _journal_export(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        if args.learner:
            events = iter(station.journal.history(args.learner))
        else:
            events = (event for _, event in station.journal.scan())
        out = sys.stdout.buffer
        for event in events:
            out.write(event.to_json() + b"\n")
        out.flush()
