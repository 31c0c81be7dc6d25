"""`pathstone district ...`: the district server and its operator tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.errors import PathstoneError


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data", type=Path, required=True, help="the district's data folder")
    district = commands.add_parser("district", help="the district server and its tools")
    sub = district.add_subparsers(title="commands", metavar="COMMAND", required=True)

    add = sub.add_parser("add-school", parents=[data], help="create a school; prints its id last")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("name", nargs="?", help="the new school's name")
    source.add_argument("--enrolment", type=Path, metavar="FILE",
                        help="adopt a school that began without a district (`school export`)")
    add.set_defaults(command=_add_school)

    enroll = sub.add_parser("enroll", parents=[data], help="write an enrolment file for a new station")
    enroll.add_argument("--school", required=True)
    enroll.add_argument("-o", "--output", type=Path, required=True)
    enroll.add_argument("--url", default=None, help="the district URL stations should sync with")
    enroll.add_argument("--pack-key", type=Path, action="append", default=[], metavar="FILE",
                        help="a public key whose packs the station will trust (repeatable)")
    enroll.set_defaults(command=_enroll)

    pack = sub.add_parser("add-pack", parents=[data], help="offer a signed pack to stations")
    pack.add_argument("file", type=Path, metavar="FILE")
    pack.add_argument("--school", default="", help="offer it to this school only (default: all)")
    pack.set_defaults(command=_add_pack)

    roster = sub.add_parser("roster", help="roster changes for a school's stations")
    roster_sub = roster.add_subparsers(title="roster commands", metavar="COMMAND", required=True)
    take_roster = roster_sub.add_parser("import", parents=[data],
                                        help="import a OneRoster users.csv or name,grade CSV")
    take_roster.add_argument("file", type=Path, metavar="FILE")
    take_roster.add_argument("--school", required=True)
    take_roster.set_defaults(command=_roster_import)

    serve = sub.add_parser("serve", parents=[data], help="serve the sync API")
    serve.add_argument("--port", type=int, default=8470)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--tls-cert", type=Path, default=None, help="PEM certificate: serve HTTPS")
    serve.add_argument("--tls-key", type=Path, default=None, help="PEM private key of --tls-cert")
    serve.set_defaults(command=_serve)

    take = sub.add_parser("import-bundle", parents=[data], help="import a station's bundle")
    take.add_argument("file", type=Path, metavar="FILE")
    take.set_defaults(command=_import_bundle)

    give = sub.add_parser("export-bundle", parents=[data], help="write a bundle for a school")
    give.add_argument("--school", required=True)
    give.add_argument("-o", "--output", type=Path, required=True)
    give.set_defaults(command=_export_bundle)

    report = sub.add_parser("report", parents=[data], help="mastery as CSV, or events as xAPI")
    report.add_argument("--school", required=True)
    report.add_argument("--format", choices=("csv", "xapi"), default="csv")
    report.set_defaults(command=_report)


def _add_school(args: argparse.Namespace) -> None:
    from district.schools import add_school, adopt_school
    from district.store import open_store
    from engine.sync.enrolment import read_enrolment

    enrolment = read_enrolment(args.enrolment) if args.enrolment else None
    store = open_store(args.data)
    try:
        school = adopt_school(store, enrolment) if enrolment else add_school(store, args.name)
    finally:
        store.close()
    print(f"Added the school {school.name!r} with the id {school.id}")


def _enroll(args: argparse.Namespace) -> None:
    from district.schools import enroll
    from district.store import open_store
    from engine.keys import load_public
    from engine.sync.enrolment import write_enrolment

    pack_keys = [load_public(path) for path in args.pack_key]
    store = open_store(args.data)
    try:
        write_enrolment(args.output, enroll(store, args.school, args.url, pack_keys))
    finally:
        store.close()
    print(f"Wrote the enrolment {args.output}. It holds the school key and a station token: "
          "keep it secret, and delete it once the station is set up.")


def _add_pack(args: argparse.Namespace) -> None:
    from district.packs import add_pack
    from district.store import open_store

    store = open_store(args.data)
    try:
        record, new = add_pack(store, args.file, args.school)
    finally:
        store.close()
    whom = f"the school {record.school}" if record.school else "every school"
    done = "now offers" if new else "already offered"
    print(f"The district {done} {record.id} {record.version} to {whom}.")


def _roster_import(args: argparse.Namespace) -> None:
    from district.roster import import_roster
    from district.store import open_store

    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise PathstoneError(f"Cannot read {args.file}: {error.strerror}.") from None
    store = open_store(args.data)
    try:
        plan = import_roster(store, args.school, data)
    finally:
        store.close()
    for note in plan.skipped:
        print(f"skipped     {note}")
    if plan.pins:
        print("Teacher PINs (shown this once; change one with `pathstone roster pin`):")
        for learner, pin in plan.pins.items():
            print(f"  {learner}: {pin}")
    print(f"{len(plan.added)} added, {len(plan.renamed) + len(plan.updated)} changed, "
          f"{len(plan.deactivated)} deactivated, {len(plan.reactivated)} reactivated, "
          f"{plan.unchanged} unchanged; the school's stations get these changes at their next sync.")


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from district.app import create_app
    from district.store import open_store

    if (args.tls_cert is None) != (args.tls_key is None):
        raise PathstoneError("HTTPS needs both --tls-cert and --tls-key.")
    store = open_store(args.data)
    scheme = "https" if args.tls_cert else "http"
    print(f"Serving the district on {scheme}://{args.host}:{args.port}", file=sys.stderr, flush=True)
    try:
        uvicorn.run(create_app(store), host=args.host, port=args.port, log_level="warning",
                    ssl_certfile=args.tls_cert, ssl_keyfile=args.tls_key)
    finally:
        store.close()


def _import_bundle(args: argparse.Namespace) -> None:
    from district.bundles import import_bundle
    from district.store import open_store
    from engine.sync.bundle import read_bundle_file

    data = read_bundle_file(args.file)
    store = open_store(args.data)
    try:
        taken = import_bundle(store, data)
    finally:
        store.close()
    print(f"Imported {taken.added} new events from {taken.sender} of {taken.school} "
          f"({taken.duplicates} already held).")


def _export_bundle(args: argparse.Namespace) -> None:
    from district.bundles import export_bundle
    from district.store import open_store
    from engine.atomic import write_atomically

    store = open_store(args.data)
    try:
        data, count = export_bundle(store, args.school)
    finally:
        store.close()
    write_atomically(args.output, data)
    print(f"Wrote {count} events for {args.school} to {args.output}.")


def _report(args: argparse.Namespace) -> None:
    from district.report import mastery_csv, xapi_statements
    from district.schools import find_school
    from district.store import open_store

    store = open_store(args.data)
    try:
        school = find_school(store, args.school)
        events = list(store.events(school.id))
    finally:
        store.close()
    text = mastery_csv(events) if args.format == "csv" else xapi_statements(school.id, events)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
