"""First boot: making the station from an enrolment file the technician brought.

The file is looked for at /boot/firmware/pathstone-enrol.json (written with the SD card)
and at the top of every USB stick the udev rules mounted under /run/media/pathstone/.
When both are there the boot partition wins: the technician put it there on purpose for
this card, while a stick may be one passed round the whole school. Sticks are taken in
the order of their mount names, so the choice is the same on every try.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import PathstoneError
from engine.sync.enrolment import enrol, read_enrolment

FILE_NAME = "pathstone-enrol.json"
BOOT = Path("boot/firmware") / FILE_NAME
STICKS = Path("run/media/pathstone")
MOUNTINFO = Path("proc/self/mountinfo")


@dataclass(frozen=True)
class Places:
    """Where the station looks for what comes from outside, under `root` (a temporary
    folder in tests): enrolment files, USB sticks, and the kernel's table of mounts
    (engine.sticks).  `sticks_folder`, when given, is where sticks are instead: a
    developer's folder of pretend sticks (`pathstone demo --sticks DIR`)."""

    root: Path = Path("/")
    sticks_folder: Path | None = None

    @property
    def boot(self) -> Path:
        return self.root / BOOT

    @property
    def sticks(self) -> Path:
        return self.sticks_folder if self.sticks_folder is not None else self.root / STICKS

    @property
    def mountinfo(self) -> Path:
        return self.root / MOUNTINFO

    def shown(self, path: Path) -> str:
        """`path` as the machine names it, whatever the root: what the screen tells people."""
        return "/" + str(path.relative_to(self.root))

    def candidates(self) -> list[Path]:
        """Every enrolment file present now, the one to use first."""
        on_sticks = sorted(self.sticks.glob(f"*/{FILE_NAME}")) if self.sticks.is_dir() else []
        return [path for path in (self.boot, *on_sticks) if path.is_file()]


@dataclass(frozen=True)
class Outcome:
    """What one try found: `enrolled` True means the station now exists; `message` is the
    one sentence (or two) to show, naming the file."""

    enrolled: bool
    message: str


def try_enrol(home: Path, places: Places) -> Outcome | None:
    """Make the station at `home` from the first good enrolment file; None when there is none.

    A bad file changes nothing: the next one is tried, and if none is good the first's
    one sentence is the outcome (a stale file on the boot partition must not hide a good
    stick). After a good one the boot partition's copy is deleted (it holds the school
    key); a stick's copy is the technician's to delete, so the message asks for it.
    """
    failures: list[Outcome] = []
    for path in places.candidates():
        try:
            station = enrol(home, read_enrolment(path))
        except PathstoneError as error:
            failures.append(Outcome(False, str(error)))
            continue
        except OSError as error:
            return Outcome(False, f"The station could not be made in {home} ({error.strerror}).")
        with station:
            return _enrolled(station.identity.school_name, path, places)
    return failures[0] if failures else None


def _enrolled(school: str, path: Path, places: Places) -> Outcome:
    done = f"This station now belongs to {school}."
    if path == places.boot:
        return Outcome(True, f"{done} {_remove_boot_copy(path, places)}")
    return Outcome(True, f"{done} Delete {FILE_NAME} from the USB stick now: it holds the "
                         "school's key.")


def _remove_boot_copy(path: Path, places: Places) -> str:
    try:
        path.unlink()
    except OSError:
        return (f"Delete {places.shown(path)} from the SD card's boot partition: it holds the "
                "school's key.")
    return f"{places.shown(path)} has been deleted: it held the school's key."
