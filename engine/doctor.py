"""The checks behind `pathstone doctor`: what a technician needs to know about a station.

Each check returns one Finding. Whatever the checks read from the machine (the clock, the
disk, systemd) comes through a Probe, so that tests can give each verdict on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from engine.clock import HLC, wall_clock_ms
from engine.errors import PathstoneError
from engine.station import Station
from engine.sync import peers

# Below either line the journal may soon fail to append: say so while there is time.
MIN_FREE_BYTES = 200 * 1024 * 1024
MIN_FREE_FRACTION = 0.05
# Earlier than this the clock has certainly not been set (a Pi without RTC boots in 1970
# unless the saved clock was restored).
EARLIEST_PLAUSIBLE_MS = 1_704_067_200_000  # 2024-01-01 UTC
# A school week plus holidays: beyond this the records have been on one SD card too long.
SYNC_OVERDUE_DAYS = 30
# The states each unit should be in; a sync service that ran and ended is "inactive",
# one whose last run failed is "failed".
UNITS: Mapping[str, frozenset[str]] = {
    "pathstone-kiosk.service": frozenset({"active"}),
    "pathstone-sync.timer": frozenset({"active"}),
    "pathstone-sync.service": frozenset({"inactive", "activating", "active"}),
}


class Verdict(Enum):
    OK = "ok"
    ATTENTION = "ATTENTION"
    UNKNOWN = "-"  # nothing to check yet, or nothing to check it with


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: Verdict
    detail: str


def _unit_state(unit: str) -> str | None:
    """`systemctl is-active UNIT`, or None where systemd is not running this machine."""
    systemctl = shutil.which("systemctl")
    if systemctl is None or not Path("/run/systemd/system").is_dir():
        return None
    try:
        result = subprocess.run([systemctl, "is-active", unit], capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return "not answering (systemctl timed out)"
    return result.stdout.strip() or "unknown"


@dataclass(frozen=True)
class Probe:
    """The machine as the checks see it."""

    wall_ms: Callable[[], int] = wall_clock_ms
    disk_usage: Callable[[Path], tuple[int, int, int]] = shutil.disk_usage
    unit_state: Callable[[str], str | None] = _unit_state
    euid: Callable[[], int] = os.geteuid


def examine(home: Path, probe: Probe = Probe()) -> list[Finding]:
    """Every check on the station at `home`, in the order a technician reads them."""
    outside = [check_free_space(home, probe), *check_units(probe)]
    owner = _owner(home)
    if owner is not None and probe.euid() != owner:
        # Opening the station may repair it, and files written by another user (root,
        # through sudo) would lock the kiosk's own user out of its journal.
        return [Finding("station", Verdict.ATTENTION,
                        f"not opened: run doctor as the station's owner (uid {owner}), "
                        "e.g. `sudo -u pathstone pathstone doctor --home ...`"), *outside]
    try:
        station = Station.open(home)
    except PathstoneError as error:
        return [Finding("station", Verdict.ATTENTION, str(error)), *outside]
    except OSError as error:
        return [Finding("station", Verdict.ATTENTION, f"cannot be read: {error.strerror} ({error.filename})"),
                *outside]
    with station:
        return [
            check_journal(station),
            check_clock(station.journal.last_hlc(), probe),
            check_scanner(str(station.state.settings()["scanner_port"])),
            check_packs(home / "packs"),
            check_last_sync(peers.last_recorded_ms(home), probe),
            *outside,
        ]


def needs_attention(findings: list[Finding]) -> bool:
    return any(f.verdict is Verdict.ATTENTION for f in findings)


def check_journal(station: Station) -> Finding:
    report = station.journal.check()
    events = sum(report.counts.values())
    repaired = f"; repaired on opening: {'; '.join(station.repairs)}" if station.repairs else ""
    if report.problems:
        shown = "; ".join(str(p) for p in report.problems[:3])
        more = f" (and {len(report.problems) - 3} more)" if len(report.problems) > 3 else ""
        return Finding("journal", Verdict.ATTENTION,
                       f"{len(report.problems)} problem(s): {shown}{more}{repaired}")
    return Finding("journal", Verdict.OK,
                   f"{events} events from {len(report.counts)} station(s), no problems{repaired}")


def check_free_space(home: Path, probe: Probe) -> Finding:
    # A home that is missing still has a disk: the one it would be made on.
    existing = next(p for p in (home, *home.absolute().parents) if p.exists())
    total, _, free = probe.disk_usage(existing)
    text = f"{_size(free)} free of {_size(total)}"
    if free < MIN_FREE_BYTES or free < total * MIN_FREE_FRACTION:
        return Finding("free space", Verdict.ATTENTION, f"only {text}: remove old files or use a larger card")
    return Finding("free space", Verdict.OK, text)


def check_clock(last: HLC, probe: Probe) -> Finding:
    now = probe.wall_ms()
    if now < EARLIEST_PLAUSIBLE_MS:
        return Finding("clock", Verdict.ATTENTION,
                       f"the clock says {_when(now)}, it was never set: set the date (date -s)")
    if now < last.wall_ms:
        return Finding("clock", Verdict.ATTENTION,
                       f"the clock went back: it says {_when(now)} but the last event was "
                       f"stamped {_when(last.wall_ms)}; set the date (date -s)")
    return Finding("clock", Verdict.OK, f"{_when(now)}, after the last event")


def check_scanner(port: str) -> Finding:
    if not port:
        return Finding("scanner", Verdict.UNKNOWN,
                       "no scanner_port set: fine for a keyboard scanner; a serial one "
                       "needs `pathstone settings scanner_port /dev/qrscanner`")
    if not os.path.exists(port):
        return Finding("scanner", Verdict.ATTENTION, f"{port} is not there: plug the scanner in")
    if not os.access(port, os.R_OK | os.W_OK):
        return Finding("scanner", Verdict.ATTENTION,
                       f"{port} is there but this user may not open it (needs group dialout)")
    return Finding("scanner", Verdict.OK, f"{port} is there")


def check_packs(folder: Path) -> Finding:
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []
    broken = [p.name for p in entries if not p.exists()]
    if broken:
        return Finding("packs", Verdict.ATTENTION, f"installed but missing their files: {', '.join(broken)}")
    if not entries:
        return Finding("packs", Verdict.ATTENTION, "none installed: install packs from a USB stick")
    return Finding("packs", Verdict.OK, f"{len(entries)} installed: {', '.join(p.name for p in entries)}")


def check_last_sync(last_ms: int | None, probe: Probe) -> Finding:
    if last_ms is None:
        return Finding("last sync", Verdict.UNKNOWN,
                       "never: records leave with `pathstone sync usb` or the weekly network sync")
    days = (probe.wall_ms() - last_ms) // 86_400_000
    if days > SYNC_OVERDUE_DAYS:
        return Finding("last sync", Verdict.ATTENTION,
                       f"{_when(last_ms)}, {days} days ago: carry a USB stick to the district")
    return Finding("last sync", Verdict.OK, f"{_when(last_ms)}, {days} day(s) ago")


def check_units(probe: Probe) -> list[Finding]:
    findings = []
    for unit, good in UNITS.items():
        state = probe.unit_state(unit)
        if state is None:
            findings.append(Finding(unit, Verdict.UNKNOWN, "systemd is not running this machine"))
        elif state in good:
            findings.append(Finding(unit, Verdict.OK, state))
        else:
            findings.append(Finding(unit, Verdict.ATTENTION,
                                    f"{state}: see `journalctl -b -u {unit}`"))
    return findings


def _owner(home: Path) -> int | None:
    try:
        return home.stat().st_uid
    except OSError:
        return None


def _size(count: int) -> str:
    if count >= 1024**3:
        return f"{count / 1024**3:.1f} GB"
    return f"{count / 1024**2:.0f} MB"


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))
