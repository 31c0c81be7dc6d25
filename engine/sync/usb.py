"""One sync with a USB stick: take in the bundles meant for this school, leave ours.

Everything on the stick lives in MOUNT/pathstone/.  Each node leaves one bundle there,
named by its content; after a new one is in place the same node's older ones are
removed.  Pulling the stick at any moment is safe: a bundle is written under a temp
name, fsynced and renamed, so the stick holds the old bundle, the new one, or both;
a bundle half-read is refused whole by its authentication tag; and every import that
finished is already durable in the journal, and merging it again changes nothing.
`sync_stick` adds the newer packs found on the stick: it is the whole sequence, which
the CLI and the kiosk both run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import PathstoneError
from engine.packs import StickPack, install_newer
from engine.packs.archive import Progress
from engine.station import Station
from engine.sync import bundle, peers
from engine.sync.bundle import SUFFIX

FOLDER = "pathstone"


class UsbError(PathstoneError):
    """The stick failed or was pulled out; `report` holds what was done before that,
    all of it already durable."""

    def __init__(self, message: str, report: UsbReport | None = None) -> None:
        super().__init__(message)
        self.report = report if report is not None else UsbReport()


@dataclass(frozen=True)
class Received:
    name: str
    sender: str
    added: int
    duplicates: int


@dataclass
class UsbReport:
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    other_schools: int = 0
    written: str = ""
    sent: int = 0


def sync_usb(station: Station, mount: Path, say: Callable[[str], None] = lambda _: None) -> UsbReport:
    """Import every bundle on the stick for this school, then leave this station's bundle."""
    if not mount.is_dir():
        raise UsbError(f"{mount} is not a folder; is the stick mounted there?")
    folder = mount / FOLDER
    report = UsbReport()
    try:
        folder.mkdir(exist_ok=True)
        for path in sorted(folder.glob(f"*{SUFFIX}")):
            _take(station, path, report, say)
        _leave(station, folder, report, say)
    except OSError as error:
        raise _pulled(mount, error, report) from error
    return report


def _pulled(mount: Path, error: OSError, report: UsbReport) -> UsbError:
    return UsbError(
        f"The stick at {mount} failed or was pulled out ({error.strerror or error}); "
        "what was imported so far is kept, so run the sync again.", report)


@dataclass(frozen=True)
class StickSync:
    """A whole sync with a stick: the records both ways, then what became of each pack file."""

    report: UsbReport
    packs: tuple[StickPack, ...]


def sync_stick(station: Station, mount: Path, say: Callable[[str], None] = lambda _: None,
               on_pack: Callable[[StickPack], None] = lambda _: None,
               on_progress: Callable[[str], Progress | None] = lambda _: None) -> StickSync:
    """What `pathstone sync usb` and the kiosk's sync key do: `sync_usb`, then install the
    packs on the stick that are newer than the installed ones, telling `on_pack` of each
    as it is done.  A stick pulled out at any point raises UsbError, whose report says
    what was imported before."""
    report = sync_usb(station, mount, say)
    done = []
    try:
        for pack in install_newer(station, mount, on_progress):
            on_pack(pack)
            done.append(pack)
    except OSError as error:
        raise _pulled(mount, error, report) from error
    except PathstoneError as error:
        # Only a stick that is no longer a folder gets here: install_newer turns every
        # refused pack into a line of its own.
        raise UsbError(str(error), report) from error
    return StickSync(report, tuple(done))


def _take(station: Station, path: Path, report: UsbReport, say: Callable[[str], None]) -> None:
    ident = station.identity
    try:
        data = bundle.read_bundle_file(path)
        header = bundle.read_header(data)
        if header.sender == ident.device_id:
            return
        if header.school != ident.school_id:
            report.other_schools += 1
            return
        say(f"Importing {path.name}...")
        result = bundle.import_bundle(station, data)
    except PathstoneError as error:
        report.refused.append((path.name, str(error)))
        return
    peers.record(station.home, result.sender, result.frontier)
    report.received.append(Received(path.name, result.sender, result.added, result.duplicates))


def _leave(station: Station, folder: Path, report: UsbReport, say: Callable[[str], None]) -> None:
    ident = station.identity
    say("Writing this station's bundle...")
    data, report.sent = bundle.make_bundle(station, peers.common_base(station.home))
    path = bundle.write_bundle(folder, data)
    for old in folder.glob(f"{ident.school_id}.{ident.device_id}.*{SUFFIX}"):
        if old != path:
            old.unlink(missing_ok=True)
    report.written = path.name
