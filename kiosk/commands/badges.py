"""`pathstone roster …`, `badges …` and `scanner test`: learners, their badges, scanners."""

from __future__ import annotations

import argparse
import getpass
import os
import queue
import sys
import termios
import time
import tty
from collections.abc import Iterator
from pathlib import Path

from engine import badges, roster
from engine.errors import PathstoneError
from engine.scanner import (
    ENTER,
    KEYBOARD,
    Debouncer,
    Scan,
    ScannerNotice,
    SerialReader,
    classify_keys,
)
from kiosk.commands.common import open_station


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    roster_parser = commands.add_parser("roster", help="import and list learners and teachers")
    sub = roster_parser.add_subparsers(title="roster commands", metavar="COMMAND")
    imp = sub.add_parser(
        "import", parents=[home],
        help="add, rename and deactivate from a OneRoster users.csv or a name,grade CSV")
    imp.add_argument("file", type=Path)
    imp.set_defaults(command=_roster_import)
    lst = sub.add_parser("list", parents=[home], help="list the roster")
    lst.add_argument("--all", action="store_true", help="include those who have left")
    lst.set_defaults(command=_roster_list)
    pin = sub.add_parser("pin", parents=[home], help="give a teacher a new PIN")
    pin.add_argument("learner", help="the teacher's id (or exact name)")
    pin.add_argument("--choose", action="store_true",
                     help="type the new PIN instead of drawing one")
    pin.set_defaults(command=_roster_pin)

    badges_parser = commands.add_parser("badges", help="print, list and replace badges")
    sub = badges_parser.add_subparsers(title="badges commands", metavar="COMMAND")
    prt = sub.add_parser("print", parents=[home], help="print badge sheets as PDF and/or PNG")
    prt.add_argument("-o", "--output", type=Path, help="the PDF file to write")
    prt.add_argument("--paper", choices=sorted(badges.PAPERS_MM), default="a4")
    prt.add_argument("--png", type=Path, metavar="DIR", help="also write one PNG per badge here")
    prt.add_argument("--learner", help="only this learner's badge (id or exact name)")
    prt.set_defaults(command=_badges_print)
    bl = sub.add_parser("list", parents=[home], help="print each badge's text")
    bl.add_argument("--format", choices=("text",), default="text",
                    help="text: name<TAB>payload lines")
    bl.set_defaults(command=_badges_list)
    rev = sub.add_parser("revoke", parents=[home],
                         help="replace a lost badge: the old one is refused from now on")
    rev.add_argument("learner", help="the learner's id (or exact name)")
    rev.set_defaults(command=_badges_revoke)

    scanner_parser = commands.add_parser("scanner", help="set up a badge scanner")
    sub = scanner_parser.add_subparsers(title="scanner commands", metavar="COMMAND")
    test = sub.add_parser("test", parents=[home],
                          help="print each scan with its source and verdict until Ctrl+C")
    test.add_argument("--port", help="serial port (default: the scanner_port setting)")
    test.set_defaults(command=_scanner_test)


def _roster_import(args: argparse.Namespace) -> None:
    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise PathstoneError(f"Cannot read {args.file}: {error.strerror}.") from None
    with open_station(args) as station:
        plan = roster.import_roster(station, data)
        members = roster.members_of(station)
    for label, ids in (("added", plan.added), ("renamed", plan.renamed),
                       ("updated", plan.updated), ("deactivated", plan.deactivated),
                       ("reactivated", plan.reactivated)):
        for learner in ids:
            print(f"{label:<12}{learner}  {members[learner].name}")
    for note in plan.skipped:
        print(f"skipped     {note}")
    print(f"{len(plan.added)} added, {len(plan.renamed) + len(plan.updated)} changed, "
          f"{len(plan.deactivated)} deactivated, {len(plan.reactivated)} reactivated, "
          f"{plan.unchanged} unchanged.")
    if plan.pins:
        print("\nTeacher PINs (shown this once; change one with `pathstone roster pin`):")
        for learner, pin in plan.pins.items():
            print(f"  {members[learner].name}: {pin}")


def _roster_list(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        members = roster.members_of(station).values()
    shown = sorted((m for m in members if m.added and (args.all or m.active)),
                   key=lambda m: (m.role != "teacher", m.name.casefold(), m.id))
    for m in shown:
        status = "" if m.active else "  (left)"
        print(f"{m.id}\t{m.role}\t{m.grade or '-'}\t{m.name}\tbadge {m.badge_serial}{status}")
    print(f"{sum(m.active for m in shown)} active", file=sys.stderr)


def _roster_pin(args: argparse.Namespace) -> None:
    pin = None
    if args.choose:
        pin = getpass.getpass("New PIN (4 to 12 digits): ")
        if getpass.getpass("The same PIN again: ") != pin:
            raise PathstoneError("The two PINs differ; nothing was changed.")
    with open_station(args) as station:
        member, pin = roster.change_pin(station, args.learner, pin)
    if not args.choose:
        print(f"New PIN for {member.name}: {pin} (shown this once).")
    else:
        print(f"The PIN of {member.name} was changed.")


def _badges_print(args: argparse.Namespace) -> None:
    if args.output is None and args.png is None:
        raise PathstoneError("Say where to print: -o FILE.pdf, --png DIR, or both.")
    with open_station(args) as station:
        members = ([roster.find_member(station, args.learner)] if args.learner
                   else roster.members_of(station).values())
        printed = badges.printable(station, members)
    if not printed:
        raise PathstoneError("There is no active learner to print a badge for.")
    if args.output is not None:
        pages = badges.render_sheets(printed, args.paper)
        badges.write_pdf(pages, args.output)
        print(f"Wrote {len(printed)} badges on {len(pages)} {args.paper} pages to {args.output}.")
    if args.png is not None:
        paths = badges.write_pngs(printed, args.png)
        print(f"Wrote {len(paths)} PNG badges to {args.png}.")


def _badges_list(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        printed = badges.printable(station, roster.members_of(station).values())
    for badge in printed:
        print(f"{badge.name}\t{badge.payload}")


def _badges_revoke(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        member = badges.revoke(station, args.learner)
    print(f"{member.name} now has badge {member.badge_serial}; the old badge is refused. "
          "Print the new one with `pathstone badges print --learner "
          f"{member.id} -o FILE.pdf`.")


def _scanner_test(args: argparse.Namespace) -> int:
    with open_station(args) as station:
        port = args.port or station.state.settings()["scanner_port"]
        if not port and not sys.stdin.isatty():
            raise PathstoneError(
                "No scanner port: give --port, set one with `pathstone settings scanner_port "
                "/dev/ttyACM0`, or run this on a terminal to test a keyboard scanner.")
        members = roster.members_of(station)
        debouncer = Debouncer()
        items = _serial_items(port) if port else _keyboard_items()
        try:
            for item in items:
                if isinstance(item, ScannerNotice):
                    print(f"{item.source}\tnote\t{item.message}", flush=True)
                    continue
                counts, debouncer = debouncer.feed(item)
                verdict = (badges.check_scan(station, item.text, members) if counts else None)
                print(f"{item.source}\t" + (
                    "repeat\t(the same badge again within a second)" if verdict is None
                    else f"{'ok' if verdict.ok else 'refused'}\t{verdict.message}"), flush=True)
        except KeyboardInterrupt:
            pass
    return 0


def _serial_items(port: str) -> Iterator[Scan | ScannerNotice]:
    found: queue.Queue[Scan | ScannerNotice] = queue.Queue()
    reader = SerialReader(port, found.put).start()
    print(f"Reading scans from {port}; Ctrl+C to stop.", flush=True)
    try:
        while True:
            yield found.get()
    finally:
        reader.stop()


def _keyboard_items() -> Iterator[Scan | ScannerNotice]:
    """Keystrokes from this terminal, timed, told apart into scanner bursts and typing."""
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    print("Scan a badge with the keyboard scanner (or type and press Enter); Ctrl+C to stop.",
          flush=True)
    keys: list[tuple[str, float]] = []
    try:
        tty.setcbreak(fd)
        while chunk := os.read(fd, 256):
            now = time.monotonic()
            for char in chunk.decode("utf-8", errors="replace").replace("\r", ENTER):
                keys.append((char, now))
                if char == ENTER:
                    scan = classify_keys(keys)
                    keys.clear()
                    yield scan or ScannerNotice("That was typed by a person, not scanned "
                                                "(too slow for a scanner burst).", KEYBOARD)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
