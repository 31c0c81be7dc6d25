"""`pathstone sync usb|net`: exchange records with a USB stick or the district server."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.commands.common import open_station
from kiosk.commands.packs import PackLines

EX_TEMPFAIL = 75  # sysexits.h: try again later


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    sync = commands.add_parser("sync", help="exchange records with a stick or the district")
    sub = sync.add_subparsers(title="ways", metavar="WAY", required=True)
    usb = sub.add_parser("usb", parents=[home], help="sync with a USB stick mounted at MOUNTPOINT")
    usb.add_argument("mountpoint", type=Path, metavar="MOUNTPOINT")
    usb.set_defaults(command=_usb)
    net = sub.add_parser("net", parents=[home], help="sync with the district server at URL")
    net.add_argument("url", metavar="URL", nargs="?",
                     help="the district's address (default: the one from this station's enrolment)")
    net.add_argument("--token", default=None,
                     help="station token (default: the one from this station's enrolment)")
    net.add_argument("--ca-file", type=Path, default=None,
                     help="CA certificates to verify the district's TLS certificate with")
    net.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for each reply")
    net.add_argument("--attempts", type=int, default=6, help="tries per request before giving up")
    net.set_defaults(command=_net)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _usb(args: argparse.Namespace) -> int:
    from engine.sync.usb import sync_stick

    lines = PackLines()
    with open_station(args) as station:
        report = sync_stick(station, args.mountpoint, _say, lines, lines.progress).report
    for got in report.received:
        print(f"imported  {got.name}: {got.added} new events from {got.sender} "
              f"({got.duplicates} already held)")
    for name, problem in report.refused:
        print(f"refused   {name}: {problem}")
    if report.other_schools:
        print(f"left      {report.other_schools} bundle(s) of other schools untouched")
    print(f"wrote     {report.written}: {report.sent} events for the next node")
    return 1 if report.refused or lines.refused else 0


def _net(args: argparse.Namespace) -> int:
    from engine.errors import PathstoneError
    from engine.sync.downloads import fetch_packs
    from engine.sync.enrolment import district_link
    from engine.sync.net import DistrictUnreachable, NetOptions, sync_net

    if args.timeout <= 0 or args.attempts < 1:
        raise PathstoneError("The timeout must be above 0 and the attempts at least 1.")
    options = NetOptions(timeout=args.timeout, attempts=args.attempts, cafile=args.ca_file)
    with open_station(args) as station:
        link = district_link(station.home)
        url, token = args.url or link.url, args.token or link.token
        if not url:
            raise PathstoneError("This station has no district address; enrol it or give URL.")
        if not token:
            raise PathstoneError("This station has no district token; enrol it or give --token.")
        try:
            report = sync_net(station, url, token, options, _say)
            fetched = fetch_packs(station, url, token, options, _say)
        except DistrictUnreachable as error:
            # The weekly timer's unit counts this code as success: offline is normal.
            print(f"pathstone: {error}", file=sys.stderr)
            return EX_TEMPFAIL
    print(f"Sent {report.sent} events, received {report.received} "
          f"({report.retries} retried requests).")
    for name in fetched.installed:
        print(f"installed the pack {name} from the district")
    for name, problem in fetched.refused:
        print(f"refused   the pack {name}: {problem}")
    return 1 if fetched.refused else 0
