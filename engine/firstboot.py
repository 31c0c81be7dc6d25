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
from engine.places import FILE_NAME, Places
from engine.sync.enrolment import enrol, read_enrolment


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
