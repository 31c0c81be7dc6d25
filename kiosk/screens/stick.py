"""The USB stick, for a teacher: what is on it, the sync, and when it is safe to remove.

Reached from the teacher's screen only: students never see what a stick holds.  The
stick is read and synced in thread workers (a stick is slow, and may be pulled out
mid-read), each with its own station opened beside the kiosk's, as `pathstone sync usb`
runs beside a running kiosk.  "Safe to remove" waits for the kernel's mount table to
show the stick's filesystem unmounted (systemd unmounts it 2 s after the last access):
until then, a write may still be on its way to the stick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from engine.errors import PathstoneError
from engine.station import Station
from engine.sticks import (
    Contents,
    Holding,
    PackOnStick,
    RecordsFrom,
    Stick,
    printable,
    summarise,
)
from kiosk.messages import SticksChanged
from kiosk.widgets.footer import KioskFooter

if TYPE_CHECKING:
    from engine.packs import StickPack
    from engine.sync.usb import UsbReport
    from kiosk.app import PathstoneApp

# The card is 74 wide (the width of the first-boot card): less its border and padding.
LINE = 68
# What fits under the title and the state line at 80x24; the rest is counted.
MAX_LINES = 12
READING = "Reading the stick..."
READY = "F5 syncs this station with the stick."
WRITING = "Writing - do not remove the stick"
FINISHING = "Finishing - wait"
SAFE = "Safe to remove the stick"
GONE = "The stick was taken out."
PULLED = "The stick was taken out during the sync."
FAILED = "The sync did not finish."


def fit(line: str) -> str:
    # "..." rather than an ellipsis: the Linux console font has no glyph for it.
    line = printable(line)
    return line if len(line) <= LINE else line[:LINE - 3] + "..."


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _sender(name: str) -> str:
    return "the district" if name == "district" else f"station {name}"


def _pack_line(pack: PackOnStick) -> str:
    what = f"{pack.pack_id} {pack.version}"
    return {
        "new": f"install  {what} (new on this station)",
        "newer": f"install  {what} (replaces {pack.detail})",
        "installed": f"have     {what} (already installed)",
        "older": f"skip     {what} (older than {pack.detail})",
    }.get(pack.standing, f"refuse   {pack.name}: {pack.detail}")


def _records_line(records: RecordsFrom) -> str:
    return (f"records  {records.new} new of {records.records} from {_sender(records.sender)} "
            f"({_count(records.bundles, 'bundle')})")


def summary_lines(contents: Contents) -> list[str]:
    """What is on the stick, one line a thing, at most MAX_LINES."""
    lines = [_pack_line(p) for p in contents.packs]
    lines += [_records_line(r) for r in contents.records]
    if not contents.records:
        lines.append("records  none from other stations of this school")
    if contents.own_bundles:
        lines.append("ours     the bundle this station left at an earlier sync")
    if contents.other_schools:
        lines.append(f"others   {_count(contents.other_schools, 'bundle')} of other schools: "
                     "they stay on the stick")
    lines += [f"refuse   {name}: {why}" for name, why in contents.bad_bundles]
    if contents.not_opened:
        lines.append(f"more     {_count(contents.not_opened, 'bundle')} not looked at: too many")
    if contents.enrolment:
        lines.append(f"enrol    {contents.enrolment}")
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 1] + [f"... and {len(lines) - MAX_LINES + 1} more"]
    if contents.problem:
        lines.append(contents.problem)
    return [fit(line) for line in lines]


@dataclass(frozen=True)
class SyncResult:
    """What a sync did, in plain words; `pulled` when the stick went mid-way."""

    lines: tuple[str, ...]
    pulled: bool = False
    failed: bool = False


def result_lines(report: UsbReport, packs: tuple[StickPack, ...]) -> list[str]:
    """The sync's report and what became of the packs, in plain words."""
    added = sum(r.added for r in report.received)
    senders = len({r.sender for r in report.received})
    lines = [f"Took in {_count(added, 'new record')} from {_count(senders, 'station')}."
             if report.received else "There were no records from other stations of this school."]
    lines += [f"Refused {name}: {why}" for name, why in report.refused]
    if report.other_schools:
        lines.append(f"Left {_count(report.other_schools, 'bundle')} of other schools alone.")
    if report.written:
        lines.append(f"Left {_count(report.sent, 'record')} on the stick for the district.")
    for pack in packs:
        if pack.outcome == "installed" and pack.result is not None:
            lines.append(f"Installed the pack {pack.result.pack_id} {pack.result.version}.")
        elif pack.outcome == "refused":
            lines.append(f"Refused {pack.name}: {pack.detail}")
    return lines


def run_sync(home: Path, mount: Path, say: Callable[[str], None]) -> SyncResult:
    """The whole `pathstone sync usb` sequence on a station of its own (in a thread)."""
    from engine.sync.usb import UsbError, sync_stick

    def installing(name: str) -> None:
        say(f"Installing {name}...")

    try:
        with Station.open(home) as station:
            done = sync_stick(station, mount, say,
                              on_pack=lambda pack: say(f"{pack.outcome}: {pack.name}"),
                              on_progress=installing)
    except UsbError as error:
        kept = sum(r.added for r in error.report.received)
        return SyncResult((f"The {kept} new records taken in before that are kept.",
                           "Put the stick back and press F5 to finish the sync."), pulled=True)
    except PathstoneError as error:
        return SyncResult((str(error),), failed=True)
    return SyncResult(tuple(result_lines(done.report, done.packs)))


class StickScreen(Screen[None]):
    """One stick: its summary, F5 to sync, and its state until it is safe to remove."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "sync", "Sync with the stick"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, station: Station, stick: Stick) -> None:
        super().__init__()
        self.station = station
        self.stick = stick
        self.phase = "reading"
        self.present = True
        self._progress: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="stick-card", classes="card"):
            yield Static(f"USB stick {printable(self.stick.name)}", classes="card-title")
            yield Static(READING, id="stick-state", markup=False)
            yield Static("", id="stick-body", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        holding = Holding.of(self.station, {})
        home, mount = self.station.home, self.stick.path

        def read() -> Contents:
            from engine.packs import catalog

            installed = {p.id: p.version for p in catalog(home).packs}
            return summarise(mount, replace(holding, installed=installed))

        self.run_worker(read, name="read the stick", thread=True, exclusive=True)

    # -- the state line ------------------------------------------------------------------

    def _show_state(self, text: str, kind: str) -> None:
        for state in self.query("#stick-state").results(Static):
            state.update(text)
            for name in ("-busy", "-safe", "-bad"):
                state.set_class(name == kind, name)
        self.refresh_bindings()

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def on_sticks_changed(self, message: SticksChanged) -> None:
        self.show_sticks(message.sticks)

    def show_sticks(self, sticks: tuple[Stick, ...]) -> None:
        """The stick's state from a look at the sticks and their mounts."""
        now = next((s for s in sticks if s.name == self.stick.name), None)
        self.present = now is not None
        if now is not None:
            self.stick = now
        if self.phase == "finishing" and (now is None or not now.mounted):
            self.phase = "safe"
            self._show_state(SAFE if now is not None else GONE, "-safe")
        elif now is None and self.phase in ("ready", "reading", "safe"):
            self._show_state(GONE, "")
        self.refresh_bindings()

    # -- reading and syncing -------------------------------------------------------------

    def action_sync(self) -> None:
        self.phase = "writing"
        self.kiosk.stick_busy = True
        self._progress = []
        self._show_state(WRITING, "-busy")
        self.query_one("#stick-body", Static).update("")
        home, mount = self.station.home, self.stick.path
        self.run_worker(lambda: run_sync(home, mount, self._say_from_thread),
                        name="sync with the stick", thread=True, exclusive=True)

    def _say_from_thread(self, line: str) -> None:
        self.app.call_from_thread(self._say, line)

    def _say(self, line: str) -> None:
        self._progress = [*self._progress, fit(line)][-MAX_LINES:]
        self.query_one("#stick-body", Static).update("\n".join(self._progress))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        result = event.worker.result
        if event.state is WorkerState.SUCCESS and isinstance(result, Contents):
            self._read(result)
        elif event.state is WorkerState.SUCCESS and isinstance(result, SyncResult):
            self._synced(result)
        elif event.state is WorkerState.ERROR:
            # A bug, not the stick: said in one line, and the station keeps running.
            if self.phase == "writing":
                self.kiosk.stick_busy = False
            self.phase = "failed"
            self._show_state(fit(f"Something went wrong: {event.worker.error}"), "-bad")

    def _read(self, contents: Contents) -> None:
        self.phase = "ready"
        self.query_one("#stick-body", Static).update("\n".join(summary_lines(contents)))
        if contents.problem or not self.present:
            self._show_state(GONE if not self.present else contents.problem, "-bad")
        else:
            self._show_state(READY, "")

    def _synced(self, result: SyncResult) -> None:
        self.kiosk.stick_busy = False
        self.query_one("#stick-body", Static).update("\n".join(fit(line) for line in result.lines))
        if result.pulled or result.failed:
            self.phase = "failed"
            self._show_state(PULLED if result.pulled else FAILED, "-bad")
            return
        # The sync's last write may still be in the page cache: safe only once unmounted.
        self.phase = "finishing"
        self._show_state(FINISHING, "-busy")
        # A fresh look, not the app's last one: that may be from before the sync mounted it.
        self.show_sticks(self.kiosk.look_for_sticks())

    def action_back(self) -> None:
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sync":
            return self.present and self.phase in ("ready", "safe", "failed")
        if action == "back":
            return self.phase != "writing"
        return True
