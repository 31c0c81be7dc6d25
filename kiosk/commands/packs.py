"""`pathstone keygen`, `pack build|verify|install|list|remove|scan` and `trust add|list`:
content packs and the keys that sign them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from engine import keys, packs
from engine.station import Station, StationError, is_station
from kiosk.commands.common import home_of, open_station


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    keygen = commands.add_parser("keygen", help="make an Ed25519 key pair for signing packs")
    keygen.add_argument("-o", "--output", type=Path, required=True,
                        help="private key file to write (the public key goes to FILE.pub)")
    keygen.set_defaults(command=_keygen)

    pack = commands.add_parser("pack", help="build, check and install content packs")
    sub = pack.add_subparsers(title="pack commands", metavar="COMMAND")
    build = sub.add_parser("build", help="check a pack folder and write it as one signed file")
    build.add_argument("source", type=Path, metavar="SRC_DIR")
    build.add_argument("-o", "--output", type=Path, required=True, help="pack file to write (.pspack)")
    build.add_argument("--key", type=Path, required=True, help="private key to sign with")
    build.set_defaults(command=_build)
    verify = sub.add_parser("verify", help="check a pack file completely without installing it")
    verify.add_argument("file", type=Path)
    verify.add_argument("--trust", type=Path, metavar="PUBKEY", help="require this signer")
    verify.set_defaults(command=_verify)
    install = sub.add_parser("install", parents=[home], help="install a pack file on the station")
    install.add_argument("file", type=Path)
    install.add_argument("--allow-unsigned", action="store_true",
                         help="accept a pack not signed by a trusted key (needs allow_local_packs)")
    install.set_defaults(command=_install)
    listing = sub.add_parser("list", parents=[home], help="show the installed packs")
    listing.set_defaults(command=_list)
    remove = sub.add_parser("remove", parents=[home], help="uninstall a pack (records are kept)")
    remove.add_argument("pack_id", metavar="ID")
    remove.set_defaults(command=_remove)
    scan = sub.add_parser("scan", parents=[home], help="install the newer packs found on a USB stick")
    scan.add_argument("mountpoint", type=Path, metavar="MOUNTPOINT")
    scan.set_defaults(command=_scan)

    trust = commands.add_parser("trust", help="the keys whose packs this station installs")
    tsub = trust.add_subparsers(title="trust commands", metavar="COMMAND")
    add = tsub.add_parser("add", parents=[home], help="trust a public key (a .pub file)")
    add.add_argument("public_key", type=Path, metavar="PUBKEY")
    add.set_defaults(command=_trust_add)
    tlist = tsub.add_parser("list", parents=[home], help="show the trusted keys")
    tlist.set_defaults(command=_trust_list)


def _keygen(args: argparse.Namespace) -> None:
    public_path, public = keys.generate(args.output)
    print(f"Wrote the private key {args.output} (keep it secret) and the public key {public_path} "
          f"(fingerprint {public.fingerprint}).")


def _build(args: argparse.Namespace) -> None:
    private = keys.load_private(args.key)
    content, _ = packs.build(args.source, args.output, private)
    signer = keys.public_of(private)
    print(f"Built {args.output}: {content.id} {content.version}, {len(content.skills)} skills, "
          f"{content.item_count} items, {len(content.activities)} activities, signed by {signer.fingerprint}.")


def _verify(args: argparse.Namespace) -> None:
    trust = keys.load_public(args.trust) if args.trust else None
    result = packs.verify(args.file, trust)
    content = result.content
    types = ", ".join(f"{kind} {count}" for kind, count in sorted(content.item_types().items()))
    print(f"pack        {content.id} {content.version} ({content.title})")
    signed = "the trusted key given" if trust else "no key checked; give --trust PUBKEY to require one"
    print(f"signed by   {result.signer.fingerprint} ({signed})")
    print(f"files       {len(result.manifest.files)}, {result.manifest.total_bytes} bytes, all digests match")
    print(f"skills      {len(content.skills)}")
    for skill in content.skills:
        print(f"  {skill.id:<40} {len(content.items.get(skill.id, ())):>3} items")
    print(f"items       {content.item_count} ({types})")
    print(f"activities  {len(content.activities)}")


def _install(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        progress = Progress(sys.stderr, args.file.name) if sys.stderr.isatty() else None
        result = packs.install_on(station, args.file, allow_unsigned=args.allow_unsigned,
                                  on_progress=progress)
        if progress:
            progress.done()
    _report(result, sys.stdout)


def _report(result: packs.InstallResult, out: TextIO) -> None:
    if not result.changed:
        print(f"{result.pack_id} {result.version} is already installed; nothing changed.", file=out)
    else:
        print(f"Installed {_describe(result)}.", file=out)
    _warn(result.warnings)


def _describe(result: packs.InstallResult) -> str:
    was = f" (was {result.previous})" if result.previous else ""
    how = "" if result.trusted else ", not signed by a trusted key (allowed as a local pack)"
    return f"{result.pack_id} {result.version}{was}{how}"


def _warn(warnings: Iterable[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _list(args: argparse.Namespace) -> None:
    home = _station_home(args)
    catalog = packs.catalog(home)
    for problem in catalog.problems:
        print(f"damaged: {problem}", file=sys.stderr)
    if not catalog.packs:
        print("No packs are installed.")
    for pack in catalog.packs:
        c = pack.content
        print(f"{c.id:<36} {c.version:<9} {len(c.skills):>3} skills {c.item_count:>4} items "
              f"{len(c.activities):>2} activities  signer {pack.signer}  {c.title}")
    for skill, missing in sorted(catalog.missing_requirements().items()):
        print(f"warning: {skill} waits for {', '.join(missing)}, which no installed pack has.", file=sys.stderr)


def _remove(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        removed, warnings = packs.remove_on(station, args.pack_id)
    print(f"Removed {removed.id} {removed.version}; learners' records of its skills are kept.")
    _warn(warnings)


def _scan(args: argparse.Namespace) -> int:
    with open_station(args) as station:
        return 1 if install_newer(station, args.mountpoint) else 0


def install_newer(station: Station, mount: Path) -> int:
    """Install the newer packs on a stick, one report line each; returns how many were
    refused."""
    print(f"Found {len(packs.find_pack_files(mount))} pack file(s) on {mount}.", file=sys.stderr)
    lines = PackLines()
    for pack in packs.install_newer(station, mount, lines.progress):
        lines(pack)
    return lines.refused


class PackLines:
    """Prints what became of each pack file found on a stick, with a progress bar while
    one installs (`pack scan` and `sync usb`)."""

    def __init__(self) -> None:
        self.bars: dict[str, Progress] = {}
        self.refused = 0

    def progress(self, name: str) -> Progress:
        self.bars[name] = Progress(sys.stderr, name)
        return self.bars[name]

    def __call__(self, pack: packs.StickPack) -> None:
        if pack.name in self.bars:
            self.bars.pop(pack.name).done()
        if pack.outcome == "installed" and pack.result is not None:
            print(f"installed  {pack.name}: {_describe(pack.result)}")
            _warn(pack.result.warnings)
        else:
            self.refused += pack.outcome == "refused"
            print(f"{pack.outcome:<10} {pack.name}: {pack.detail}")


def _trust_add(args: argparse.Namespace) -> None:
    home = _station_home(args)
    key, new = keys.trust(home, args.public_key)
    if new:
        print(f"This station now trusts packs signed by the key {key.fingerprint}.")
    else:
        print(f"This station already trusts the key {key.fingerprint}; nothing changed.")


def _trust_list(args: argparse.Namespace) -> None:
    trusted = keys.trusted(_station_home(args))
    if not trusted:
        print("This station trusts no key yet; add one with `pathstone trust add PUBKEY`.")
    for fingerprint in trusted:
        print(fingerprint)


def _station_home(args: argparse.Namespace) -> Path:
    home = home_of(args)
    if not is_station(home):
        raise StationError(f"{home} is not a Pathstone station; create one with "
                           f"`pathstone init --home {home} --school NAME`.")
    return home


class Progress:
    """A one-line progress bar on a text stream, redrawn in place."""

    def __init__(self, out: TextIO, label: str, width: int = 24) -> None:
        self._out, self._label, self._width, self._shown = out, label, width, -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent == self._shown:
            return
        self._shown = percent
        filled = self._width * percent // 100
        bar = "#" * filled + "-" * (self._width - filled)
        self._out.write(f"\r[{bar}] {percent:3d}% {self._label}")
        self._out.flush()

    def done(self) -> None:
        if self._shown >= 0:
            self._out.write("\n")
            self._out.flush()
