"""USB sticks: which are in, whether each is mounted right now, and what one holds.

The udev rules put an automount at STICKS/<kernel name> (engine.places.Places): while
a stick is in, the kernel's mount table (/proc/self/mountinfo) has an `autofs` entry
there, and the stick's own filesystem is mounted over it on first access and unmounted
by systemd after 2 s without access.  So finding the sticks reads only the sticks
folder's names and the mount table, never a stick's contents: touching the contents
would mount it again and it would never go idle.  A folder there with no entry in the
mount table is a developer's pretend stick (`pathstone demo --sticks DIR`) when it holds
files; an empty one is a mount point left behind by a stick that was pulled.

What is on a stick comes from outside: every file is untrusted, a bad one is one line
saying why, and a stick pulled mid-read gives one sentence, never an exception.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import PathstoneError
from engine.places import FILE_NAME as ENROLMENT_FILE

if TYPE_CHECKING:
    from engine.station import Station

# The kiosk looks for sticks from its first second; what reads a stick's contents
# (packs, bundles) is imported when a teacher asks, to keep the kiosk's start short.

AUTOFS = "autofs"
# What one look at a stick may read: past these, the rest is counted, not opened.
MAX_ENTRIES = 20_000  # per folder, as engine.packs.stick
MAX_BUNDLES = 64
MAX_BUNDLE_READ = 256 * 1024 * 1024
TAKEN_OUT = "The stick could not be read to the end: it failed or was taken out."
_OCTAL = re.compile(rb"\\([0-7]{3})")


@dataclass(frozen=True)
class Stick:
    """One stick under the sticks folder.  `filesystem` is the type of what is mounted
    there now (vfat, exfat...), empty when nothing is; `automount` says systemd mounts it
    on access and unmounts it when idle.  With neither, it is a plain folder."""

    name: str
    path: Path
    filesystem: str = ""
    automount: bool = False

    @property
    def mounted(self) -> bool:
        return bool(self.filesystem)

    @property
    def plain(self) -> bool:
        """A folder of files, not a device: nothing to unmount before it is taken away."""
        return not self.automount and not self.mounted


def mount_points(mountinfo: Path) -> dict[str, list[str]]:
    """Every mount point in the table and the filesystem types mounted there, in the
    order they were stacked; an unreadable table (not Linux) is an empty one."""
    try:
        text = mountinfo.read_bytes()
    except OSError:
        return {}
    return parse_mountinfo(text)


def parse_mountinfo(text: bytes) -> dict[str, list[str]]:
    """`36 35 98:0 /root /mount/point rw,noatime master:1 - vfat /dev/sda1 rw,...` lines;
    the optional fields before " - " vary in number.  The kernel writes a space, tab,
    newline or backslash in a path as an octal escape (\\040)."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split(b" ")
        try:
            point, fstype = fields[4], fields[fields.index(b"-", 6) + 1]
        except (IndexError, ValueError):
            continue  # not a line of the format: skipped, as the kernel never writes one
        where = os.fsdecode(_OCTAL.sub(lambda m: bytes([int(m[1], 8) & 0xFF]), point))
        found.setdefault(where, []).append(os.fsdecode(fstype))
    return found


def find_sticks(folder: Path, mountinfo: Path) -> tuple[Stick, ...]:
    """The sticks in `folder` now, by name.  Cheap enough to call every second."""
    try:
        names = {entry.name for entry in _listing(folder)
                 if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")}
        real = os.path.realpath(folder)
    except OSError:
        return ()
    stacked = {Path(point).name: types for point, types in mount_points(mountinfo).items()
               if os.path.dirname(point) == real and Path(point).name}
    sticks = []
    for name in sorted(names | set(stacked)):
        types = stacked.get(name)
        if types is None:
            if _holds_files(folder / name):
                sticks.append(Stick(name, folder / name))
            continue
        mounted = [t for t in types if t != AUTOFS]
        sticks.append(Stick(name, folder / name, mounted[-1] if mounted else "", AUTOFS in types))
    return tuple(sticks)


def _listing(folder: Path) -> list[os.DirEntry[str]]:
    """A folder's entries, at most MAX_ENTRIES: a stick may hold anything."""
    with os.scandir(folder) as listing:
        return [entry for _, entry in zip(range(MAX_ENTRIES), listing, strict=False)]


def _holds_files(folder: Path) -> bool:
    try:
        with os.scandir(folder) as listing:
            return any(True for _ in listing)
    except OSError:
        return False


# -- what is on one stick ------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """What this station holds, to compare a stick with; taken on the kiosk's own thread
    so that reading the stick needs no open station."""

    school_id: str
    device_id: str
    school_key: bytes = field(repr=False)
    frontier: Mapping[str, int]
    installed: Mapping[str, str]  # pack id -> version

    @classmethod
    def of(cls, station: Station, installed: Mapping[str, str]) -> Holding:
        ident = station.identity
        return cls(ident.school_id, ident.device_id, station.school_key(),
                   station.journal.frontier(), dict(installed))


@dataclass(frozen=True)
class PackOnStick:
    """A pack file and what a sync would do with it: "new" (not installed: installs it),
    "newer" (replaces the version in `detail`), "installed" (that version is there
    already), "older" (than the version in `detail`, installed or newer on the stick),
    or "unreadable" with the sentence why in `detail`."""

    name: str  # its path on the stick
    standing: str
    pack_id: str = ""
    version: str = ""
    detail: str = ""


@dataclass(frozen=True)
class RecordsFrom:
    """This school's bundles from one station (or the district) and what they carry."""

    sender: str
    bundles: int
    records: int
    new: int  # records this station lacks


@dataclass(frozen=True)
class Contents:
    packs: tuple[PackOnStick, ...] = ()
    records: tuple[RecordsFrom, ...] = ()
    own_bundles: int = 0  # left by this station at an earlier sync
    other_schools: int = 0
    bad_bundles: tuple[tuple[str, str], ...] = ()  # name, why
    not_opened: int = 0  # bundles past the bounds of one look
    enrolment: str = ""  # a sentence about an enrolment file, if there is one
    problem: str = ""  # the stick failed or was taken out mid-read

    @property
    def empty(self) -> bool:
        return not (self.packs or self.records or self.own_bundles or self.other_schools
                    or self.bad_bundles or self.not_opened or self.enrolment)


def summarise(mount: Path, holding: Holding) -> Contents:
    """What is on the stick at `mount`, for the teacher; reads it, so mounts it."""
    from engine.sync.usb import FOLDER

    if not mount.is_dir():
        return Contents(problem="The stick was taken out before it could be read.")
    found = Contents()
    try:
        found = Contents(packs=_packs(mount, holding))
        found = _records(mount / FOLDER, holding, found)
        enrolment = mount / ENROLMENT_FILE
        if enrolment.is_file():
            found = _with(found, enrolment=_enrolment(enrolment, holding))
    except (OSError, PathstoneError):
        return _with(found, problem=TAKEN_OUT)
    if not mount.is_dir():
        # A pulled stick reads as nothing at all: a listing that fails is skipped, not raised.
        return _with(found, problem=TAKEN_OUT)
    return found


def _with(contents: Contents, **changes: object) -> Contents:
    return replace(contents, **changes)  # type: ignore[arg-type]


def _packs(mount: Path, holding: Holding) -> tuple[PackOnStick, ...]:
    from engine.packs.stick import find_pack_files, is_newer, newest_first

    found = []
    # Compared as the sync will install them: the newest file of a pack first, so the
    # others on the stick are measured against it, not only against the installed one.
    have = dict(holding.installed)
    for candidate in newest_first(find_pack_files(mount)):
        name = str(candidate.path.relative_to(mount))
        if candidate.problem is not None:
            found.append(PackOnStick(name, "unreadable", detail=candidate.problem))
            continue
        current = have.get(candidate.pack_id)
        if current is None:
            standing = "new"
        elif is_newer(candidate.version, current):
            standing = "newer"
        elif candidate.version == current:
            standing = "installed"
        else:
            standing = "older"
        if standing in ("new", "newer"):
            have[candidate.pack_id] = candidate.version
        found.append(PackOnStick(name, standing, candidate.pack_id, candidate.version, current or ""))
    return tuple(found)


def _records(folder: Path, holding: Holding, found: Contents) -> Contents:
    from engine.sync import bundle

    if not folder.is_dir():
        return found
    names = sorted(entry.name for entry in _listing(folder)
                   if entry.name.endswith(bundle.SUFFIX) and entry.is_file(follow_symlinks=False))
    senders: dict[str, list[int]] = {}  # sender -> [bundles, records, new]
    own = others = skipped = budget = 0
    bad: list[tuple[str, str]] = []
    for n, name in enumerate(names):
        if n >= MAX_BUNDLES or budget > MAX_BUNDLE_READ:
            skipped += 1
            continue
        try:
            data = bundle.read_bundle_file(folder / name)
            budget += len(data)
            header = bundle.read_header(data)
            if header.sender == holding.device_id:
                own += 1
                continue
            if header.school != holding.school_id:
                others += 1
                continue
            # Opened to be sure it is whole and really this school's: a bundle cut short
            # shows here, before a sync is asked for.
            sealed = bundle.unseal(data, holding.school_key, holding.school_id)
        except bundle.BundleError as error:
            bad.append((name, str(error)))
            continue
        tally = senders.setdefault(sealed.sender, [0, 0, 0])
        tally[0] += 1
        tally[1] += len(sealed.events)
        tally[2] += len(bundle.lacking(sealed.events, holding.frontier))
    records = tuple(RecordsFrom(sender, *tally) for sender, tally in sorted(senders.items()))
    return _with(found, records=records, own_bundles=own, other_schools=others,
                 bad_bundles=tuple(bad), not_opened=skipped)


def _enrolment(path: Path, holding: Holding) -> str:
    from engine.sync.enrolment import read_enrolment

    try:
        enrolment = read_enrolment(path)
    except PathstoneError as error:
        return str(error)
    whose = ("this school" if enrolment.school_id == holding.school_id
             else f"another school, {printable(enrolment.school_name)[:40]}")
    return (f"An enrolment file for {whose} is on the stick. It holds that school's key: "
            "delete it from the stick.")


def printable(text: str) -> str:
    """Untrusted text (a file name, a school name) safe to put on one line of a screen."""
    return "".join(c if c.isprintable() else "?" for c in text)
