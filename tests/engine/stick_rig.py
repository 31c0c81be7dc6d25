"""USB sticks for tests: a sticks folder under a temporary root, the kernel's mount table
as a file the test writes, and the real files a stick carries (pack files, bundles and
an enrolment file) made by the project's own code."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.places import Places
from engine.station import Station
from engine.sync.usb import FOLDER, sync_usb
from tests.engine import badpacks

# What the kernel writes for the root, /proc and the sticks folder itself (the kiosk
# unit's ReadWritePaths= makes it a mount of its own): a stick's entries go under these.
_SYSTEM = [("/", "ext4", "/dev/mmcblk0p2"), ("/proc", "proc", "proc")]


def escaped(path: str) -> str:
    """A path as /proc/self/mountinfo writes it: space, tab, newline and backslash in octal."""
    return "".join(f"\\{ord(c):03o}" if c in " \t\n\\" else c for c in path)


def write_mountinfo(places: Places, mounts: list[tuple[str, str]]) -> None:
    """The mount table with `mounts` (stick name, filesystem type), each stacked in order:
    ("sda1", "autofs") then ("sda1", "vfat") is a stick mounted over its automount."""
    sticks = os.path.realpath(places.sticks)
    lines = [(point, kind, source) for point, kind, source in _SYSTEM]
    lines.append((sticks, "tmpfs", "tmpfs"))
    lines += [(os.path.join(sticks, name), kind, "systemd-1" if kind == "autofs" else "/dev/sda1")
              for name, kind in mounts]
    text = "".join(
        f"{n + 30} {n + 29} 0:{n + 40} / {escaped(point)} rw,nosuid,relatime shared:{n} "
        f"{'master:1 ' if n % 2 else ''}- {kind} {source} rw\n"
        for n, (point, kind, source) in enumerate(lines))
    places.mountinfo.parent.mkdir(parents=True, exist_ok=True)
    places.mountinfo.write_text(text)


def stick_at(places: Places, name: str = "sda1") -> Path:
    path = places.sticks / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def pack_file(folder: Path, key: Ed25519PrivateKey, name: str, **options: object) -> Path:
    """A valid pack file signed by `key` at folder/name (pack id and version in options)."""
    folder.mkdir(parents=True, exist_ok=True)
    return badpacks.build_file(folder / name, key, badpacks.pack_data(**options))  # type: ignore[arg-type]


def leave_bundle(home: Path, stick: Path) -> str:
    """The station at `home` syncs with the stick: its bundle is left there; its name."""
    with Station.open(home) as station:
        return sync_usb(station, stick).written


def bundles_folder(stick: Path) -> Path:
    return stick / FOLDER
